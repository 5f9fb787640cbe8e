"""Publishing: the reader's offline HTML pack, its index, manifest, atomic publish and PDF."""

from selfeval.browser import BrowserFailed, BrowserMissing
from selfeval.publish.about import (
    readable_quality_table,
    write_definitions_page,
    write_quality_page,
)
from selfeval.publish.atomic import (
    cleanup_build_dir,
    new_build_dir,
    publish_atomically,
    remove_stale_build_dirs,
)
from selfeval.publish.pack import (
    SectionResult,
    pack_nav,
    package_versions,
    published_periods,
    write_index,
    write_manifest,
    write_periods_index,
)
from selfeval.publish.pdf import board_pack_html, print_pdf
from selfeval.publish.render import (
    NavItem,
    PackText,
    escape,
    export_html,
    failed_section_html,
    html_page,
    table_html,
)

__all__ = [
    "BrowserFailed",
    "BrowserMissing",
    "NavItem",
    "PackText",
    "SectionResult",
    "board_pack_html",
    "cleanup_build_dir",
    "escape",
    "export_html",
    "failed_section_html",
    "html_page",
    "new_build_dir",
    "pack_nav",
    "package_versions",
    "print_pdf",
    "publish_atomically",
    "published_periods",
    "readable_quality_table",
    "remove_stale_build_dirs",
    "table_html",
    "write_definitions_page",
    "write_index",
    "write_manifest",
    "write_periods_index",
    "write_quality_page",
]
