"""Where code comes from: The Stack on the hub, local Stack-schema files, local repos.

Every source yields :class:`indexer.sources.base.RawFile` items; decoding, filtering
and fingerprinting happen once, in :mod:`indexer.pipeline`.
"""
