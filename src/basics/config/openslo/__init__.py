"""OpenSLO v1 import and export: OpenSLO documents to basics.yaml blocks, and back.

Pure: text in, text or plain data out; the CLI does the reading and writing.

Basics computes SLIs from events, not from metric queries, so an SLI maps only through
the annotations `basics.dev/good` (and optionally `basics.dev/valid`): SLI expressions over
event fields. Without them the SLO is reported as not mappable, never guessed. Every
problem is one line, `<source>:<line of the document>: <message>`, and one bad document
never stops the others. See docs/openslo.md.

`documents` reads documents and checks their common fields; `slo_terms` and `alert_terms`
map the parts of an SLO and of an alert policy; `importer` puts them together;
`exporter` goes the other way.
"""

from basics.config.openslo.exporter import export_openslo
from basics.config.openslo.importer import OpenSLOImport, import_openslo, import_openslo_many

__all__ = ["OpenSLOImport", "export_openslo", "import_openslo", "import_openslo_many"]
