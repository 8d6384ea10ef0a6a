"""The search web page and HTTP API (``attrib serve``): see :mod:`attrib.web.app`."""
