"""Code-quality guards run by ``make lint`` and ``make unused``: an import-linter contract type,
the cross-module private-import scan and the unused-function listing."""
