"""What a file's header says: its comments, its license, its copyright lines -- on real
headers (this machine's system headers and the project's own dependencies are not
assumed; the texts below are the standard notices, quoted as projects write them)."""
from __future__ import annotations

import pytest

from attrib.copyrights import copyrights
from attrib.evidence import file_evidence
from attrib.file_license import expression_ids, file_license
from attrib.header import header
from attrib.license_list import license_list, license_text, listed
from attrib.licenses import effective

GLIBC = """/* Copyright (C) 1991-2022 Free Software Foundation, Inc.
   This file is part of the GNU C Library.

   The GNU C Library is free software; you can redistribute it and/or
   modify it under the terms of the GNU Lesser General Public
   License as published by the Free Software Foundation; either
   version 2.1 of the License, or (at your option) any later version.

   The GNU C Library is distributed in the hope that it will be useful,
   but WITHOUT ANY WARRANTY; without even the implied warranty of
   MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the GNU
   Lesser General Public License for more details.  */

#ifndef _STDIO_H
"""

APACHE = '''#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright 2018 The Google AI Language Team Authors and The HuggingFace Inc. team.
# Copyright (c) 2018, NVIDIA CORPORATION.  All rights
# reserved.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
"""PyTorch BERT model."""
import math
'''

MIT = """/*!
 * Copyright (c) 2014-2015 Douglas Christopher Wilson
 * Permission is hereby granted, free of charge, to any person obtaining a copy
 * of this software and associated documentation files (the "Software"), to deal
 * in the Software without restriction, including without limitation the rights
 * to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
 * copies of the Software, and to permit persons to whom the Software is
 * furnished to do so, subject to the following conditions:
 *
 * The above copyright notice and this permission notice shall be included in
 * all copies or substantial portions of the Software.
 *
 * THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
 * IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
 * FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
 * AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
 * LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
 * OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN
 * THE SOFTWARE.
 */
'use strict'
"""

OPENSSL = """/*
 * Copyright 1995-2021 The OpenSSL Project Authors. All Rights Reserved.
 *
 * Licensed under the Apache License 2.0 (the "License").  You may not use
 * this file except in compliance with the License.
 */
"""

MPL_STYLE = """######################## BEGIN LICENSE BLOCK ########################
# The Original Code is Mozilla Universal charset detector code.
#
# The Initial Developer of the Original Code is
# Netscape Communications Corporation.
# Portions created by the Initial Developer are Copyright (C) 2001
# the Initial Developer. All Rights Reserved.
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Lesser General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.
######################### END LICENSE BLOCK #########################
import sys
"""


@pytest.mark.parametrize("text, lang, ids, evidence, statements", [
    (GLIBC, "C", ("LGPL-2.1-or-later",), "license-text", ("Copyright (C) 1991-2022 Free Software Foundation, Inc.",)),
    (APACHE, "Python", ("Apache-2.0",), "license-text",
     ("Copyright 2018 The Google AI Language Team Authors and The HuggingFace Inc. team.",
      "Copyright (c) 2018, NVIDIA CORPORATION. All rights reserved.")),
    (MIT, "JavaScript", ("MIT",), "license-text", ("Copyright (c) 2014-2015 Douglas Christopher Wilson",)),
    (OPENSSL, "C", ("Apache-2.0",), "license-name",
     ("Copyright 1995-2021 The OpenSSL Project Authors. All Rights Reserved.",)),
    ("// SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note\n/* Copyright (c) 2004 Topspin */\nint x;\n",
     "C", ("GPL-2.0-only WITH Linux-syscall-note",), "spdx-tag", ("Copyright (c) 2004 Topspin",)),
    (MPL_STYLE, "Python", ("LGPL-2.1-or-later",), "license-text",
     ("Portions created by the Initial Developer are Copyright (C) 2001 the Initial Developer. All Rights Reserved.",)),
    ("import os\n# Licensed under the MIT license\n", "Python", (), "", ()),  # not a header: code came first
    ("x = 'Copyright 2020 nobody; licensed under GPL-3.0'\n", "Python", (), "", ()),
])
def test_real_headers(text, lang, ids, evidence, statements):
    found = file_evidence(text, lang)
    assert (found.license.ids, found.license.evidence, found.copyrights) == (ids, evidence, statements)


def test_header_takes_leading_comments_and_a_docstring_only():
    assert header(APACHE, "Python").lines[-1] == "PyTorch BERT model."
    assert header("\n\n<?php\n// (c) Acme\necho 1;\n// Copyright later\n", "PHP").lines == ("(c) Acme",)
    assert header("x = 1\n# Copyright 2020 A\n", "Python").lines == ()
    assert header("# a\n" * 1000, "Python").lines == ("a",) * 200  # bounded


def test_copyright_lines_are_statements_not_license_prose():
    head = header(MIT + "/* THE SOFTWARE IS PROVIDED AS IS ... COPYRIGHT HOLDERS BE LIABLE */", "JavaScript")
    assert copyrights(head) == ("Copyright (c) 2014-2015 Douglas Christopher Wilson",)
    assert copyrights(header("# Copyright notice: see below\n# Copyright law applies\n", "Python")) == ()
    # A holder on the line after the year joins the statement; the license text does not.
    assert copyrights(header("# Copyright (c) 2019\n# Jane Hacker\n", "Python")) == ("Copyright (c) 2019 Jane Hacker",)
    permission = "# Permission is hereby granted, free of charge, to any person obtaining a copy\n"
    assert copyrights(header("# Copyright (c) 2019\n" + permission, "Python")) == ("Copyright (c) 2019",)


def test_an_explicit_tag_beats_the_repository_a_header_only_when_stricter():
    gpl_tag = file_license(header("# SPDX-License-Identifier: GPL-2.0-only\n", "Python"))
    assert gpl_tag.explicit and effective(gpl_tag.ids, ("MIT",), gpl_tag.explicit) == ("GPL-2.0-only",)
    mit_header = file_license(header(MIT, "JavaScript"))
    assert not mit_header.explicit
    assert effective(mit_header.ids, ("GPL-3.0-only",), mit_header.explicit) == ("GPL-3.0-only",)
    assert effective(file_license(header(GLIBC, "C")).ids, ("MIT",), False) == ("LGPL-2.1-or-later",)


def test_unknown_expressions_are_not_licenses():
    assert expression_ids("NOASSERTION") == () and expression_ids("not a (license") == ()
    assert expression_ids("MIT OR Apache-2.0") == ("MIT", "Apache-2.0")
    assert expression_ids("LicenseRef-acme") == ("LicenseRef-acme",)


def test_the_spdx_license_list_has_the_texts():
    assert license_list().version.count(".") == 2
    assert license_text("MIT").startswith("MIT License")
    assert "Version 2, June 1991" in license_text("GPL-2.0")  # deprecated id, current text
    assert listed("apache-2.0").id == "Apache-2.0"
    assert license_text("LicenseRef-acme") is None and license_text("MIT OR Apache-2.0") is None
