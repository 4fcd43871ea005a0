"""One reader per pager format; `basics.oncall.importers.read_pages` dispatches to them."""
