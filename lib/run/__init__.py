"""The run layer: plan, execute, render and record the reports of a batch (``python -m lib.run``).

Import cost: nbformat (read by the batch process and its workers) validates
notebooks with jsonschema, whose format checkers import ``rfc3987_syntax``
when it is installed; that package compiles dozens of parsers as it loads
(about 1.6 s, more on a busy machine; python-jsonschema/jsonschema#1428). No notebook
schema uses the ``iri`` formats it checks, so the batch's processes skip it.
"""

import sys

sys.modules.setdefault("rfc3987_syntax", None)  # an import of it raises ImportError: jsonschema goes without
