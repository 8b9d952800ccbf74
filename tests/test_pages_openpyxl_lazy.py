"""openpyxl is imported only when a workbook is read (crawler/pages/me_ag_archive.py), and its
error is still an `UnknownPageError` of the readers."""

import subprocess
import sys

import pytest
from helpers import ROOT

from crawler.pages import UnknownPageError, reader


def test_loading_the_spiders_does_not_import_openpyxl():
    code = ("import sys, crawler.spiders.me_ag, crawler.spiders.me_ag_archive, pipelines.store; "
            "print(any(m.split('.')[0] == 'openpyxl' for m in sys.modules))")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True)  # fmt: skip
    assert out.stdout.strip() == "False"


def test_an_openpyxl_file_error_is_an_unknown_page():
    from openpyxl.utils.exceptions import InvalidFileException

    @reader
    def read(body):
        raise InvalidFileException("openpyxl does not support this file format")

    with pytest.raises(UnknownPageError, match="InvalidFileException"):
        read(b"")

    @reader
    def broken(body):
        raise RuntimeError("a bug, not a page")

    with pytest.raises(RuntimeError):
        broken(b"")
