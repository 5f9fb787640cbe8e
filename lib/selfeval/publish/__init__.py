"""Publishing: the reader's offline HTML pack, its index, manifest, atomic publish and PDF."""

from selfeval.publish.render import (
    NavItem,
    escape,
    export_html,
    failed_section_html,
    html_page,
    table_html,
)

__all__ = [
    "NavItem",
    "escape",
    "export_html",
    "failed_section_html",
    "html_page",
    "table_html",
]
