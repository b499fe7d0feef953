"""The run form's settings, checked with the command line's own rules.

Pure functions: :func:`check_settings` lists the command line's one-line
errors for a set of settings (``lib.run.planning.preflight``, the check the
command line runs before any kernel starts, changing nothing), and
:func:`cli_arguments` / :func:`cli_environment` give the command line that runs
them, so the form and ``python -m lib.run`` produce the same pages.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from lib.analysis.disclosure import THRESHOLD_ENV_VAR
from lib.config import PROJECT_ROOT
from lib.run.planning import AUTHORITY_NOTEBOOK, PROGRAMME_NOTEBOOK, BatchError, preflight

#: The option value that stands for every authority in the form's list.
ALL = "all"


@dataclass(frozen=True)
class RunSettings:
    """What the form sends to a run; paths relative to the project root.

    ``authorities``: ids, or ``None`` for every authority.
    ``disclosure_threshold``: as typed (the command line reads it from
    ``$EVAL_DISCLOSURE_THRESHOLD``); empty for the default.
    ``timeout``: per-cell execution timeout in seconds, as ``--timeout``.
    ``programme_notebook``/``authority_notebook``: other report notebooks
    (the command line's hidden options, for stand-in notebooks); None for the project's.
    """

    authorities: tuple[str, ...] | None = None
    include_programme: bool = True
    disclosure_threshold: str = ""
    keep_code: bool = False
    force: bool = False
    timeout: int = 600
    output_dir: str = "outputs"
    processed_dir: str = "data/processed"
    programme_notebook: str | None = None
    authority_notebook: str | None = None


def absolute(path: str | os.PathLike, base: Path) -> Path:
    p = Path(path)
    return p if p.is_absolute() else base / p


def chosen_authorities(values: Sequence[str]) -> tuple[str, ...] | None:
    """The form's selection as settings: ``ALL`` among them means every authority."""
    return None if ALL in values else tuple(values)


def cli_arguments(settings: RunSettings, root: Path = PROJECT_ROOT) -> list[str]:
    """Arguments of ``python -m lib.run`` (run with cwd = ``root``) for these settings."""
    s = settings
    args = ["--quiet", "--timeout", str(s.timeout)]
    args += [
        "--output-dir",
        str(absolute(s.output_dir, root)),
        "--processed-dir",
        str(absolute(s.processed_dir, root)),
    ]
    if s.authorities is not None:
        args += ["--authorities", ",".join(s.authorities)]
    args += ["--no-programme"] * (not s.include_programme)
    args += ["--keep-code"] * s.keep_code + ["--force"] * s.force
    for option, notebook in (
        ("--programme-notebook", s.programme_notebook),
        ("--authority-notebook", s.authority_notebook),
    ):
        if notebook is not None:
            args += [option, str(absolute(notebook, root))]
    return args


def cli_environment(settings: RunSettings) -> dict[str, str]:
    """Environment variables the command line reads its settings from."""
    return {THRESHOLD_ENV_VAR: settings.disclosure_threshold}


@contextmanager
def _threshold_variable(raw: str) -> Iterator[None]:
    """``$EVAL_DISCLOSURE_THRESHOLD`` set to ``raw`` while the check reads it."""
    old = os.environ.get(THRESHOLD_ENV_VAR)
    os.environ[THRESHOLD_ENV_VAR] = raw
    try:
        yield
    finally:
        if old is None:
            del os.environ[THRESHOLD_ENV_VAR]
        else:
            os.environ[THRESHOLD_ENV_VAR] = old


def check_settings(settings: RunSettings, root: Path = PROJECT_ROOT) -> list[str]:
    """The command line's error lines for these settings (``error: ...``); empty when they are valid.

    Runs the command line's own preflight on the same values, so the rules
    live in one place (``lib.run.planning``). Changes nothing on disk.
    """
    s, root = settings, Path(root).resolve()
    authorities = None if s.authorities is None else list(s.authorities) or [""]
    notebooks = {
        "programme_notebook": absolute(s.programme_notebook or PROGRAMME_NOTEBOOK, root),
        "authority_notebook": absolute(s.authority_notebook or AUTHORITY_NOTEBOOK, root),
    }
    try:
        with _threshold_variable(s.disclosure_threshold):
            preflight(
                authorities, include_programme=s.include_programme, workers=None,
                output_dir=absolute(s.output_dir, root).resolve(), processed_dir=absolute(s.processed_dir, root),
                root=root, keep_code=s.keep_code, timeout=s.timeout, disclosure_threshold=None,
                node_modules=None, check_assets=True, **notebooks,
            )  # fmt: skip
    except BatchError as exc:
        return [f"error: {problem}" for problem in exc.problems]
    return []
