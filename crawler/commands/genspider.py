"""`scrapy genspider -t state_portal|aggregator NAME URL`: a new source in three files.

Scrapy's genspider writes the spider from crawler/templates/spiders/<template>.tmpl (the
TEMPLATES_DIR setting); this command also writes its page reader, crawler/pages/NAME.py,
and the folder of its saved-page cases, tests/fixtures/NAME/cases/, which the generic test
(tests/test_saved_pages.py) fails on until a case is added. `--jurisdiction XX` gives a
state portal its two-letter state code.
"""

import re
import string
from importlib.resources import files
from pathlib import Path
from urllib.parse import urlsplit

from scrapy.commands.genspider import Command as ScrapyGenspiderCommand
from scrapy.exceptions import UsageError

OUR_TEMPLATES = ("state_portal", "aggregator")


class Command(ScrapyGenspiderCommand):
    def add_options(self, parser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--jurisdiction",
            metavar="XX",
            help="two-letter code of the state whose portal this is (state_portal template)",
        )

    def run(self, args, opts) -> None:
        self._jurisdiction = (opts.jurisdiction or "").upper()
        if opts.template == "state_portal" and not re.fullmatch(r"[A-Z]{2}", self._jurisdiction):
            raise UsageError("a state portal needs --jurisdiction XX (the state's code)")
        if args and not re.fullmatch(r"[a-z][a-z0-9_]*", args[0]):
            raise UsageError("NAME must be a lower-case Python name, e.g. nj_ag")
        super().run(args, opts)

    def _spider_exists(self, name: str) -> bool:
        # Scrapy prints why and writes nothing, but exits 0: a script would take that as done.
        exists = super()._spider_exists(name)
        if exists:
            self.exitcode = 1
        return exists

    def _generate_template_variables(self, module, name, url, template_name):
        variables = super()._generate_template_variables(module, name, url, template_name)
        parts = urlsplit(url)
        variables.update(
            live_base_url=f"{parts.scheme}://{parts.netloc}",
            list_path=parts.path or "/",
            jurisdiction=getattr(self, "_jurisdiction", ""),
        )
        return variables

    def _genspider(self, module, name, url, template_name, template_file) -> Path:
        spider_file = super()._genspider(module, name, url, template_name, template_file)
        if template_name not in OUR_TEMPLATES:
            return spider_file
        variables = self._generate_template_variables(module, name, url, template_name)
        page_file = spider_file.parent.parent / "pages" / f"{module}.py"
        if not page_file.exists():
            template = (files("crawler") / "templates" / "pages" / "page.py.tmpl").read_text()
            page_file.write_text(string.Template(template).substitute(variables))
            print(f"Created its page reader:\n  {page_file}")
        fixtures = spider_file.parent.parent.parent / "tests" / "fixtures"
        if fixtures.is_dir():
            cases = fixtures / name / "cases"
            cases.mkdir(parents=True, exist_ok=True)
            print(f"Put its saved pages in {cases.parent} and a case in {cases}")
        return spider_file
