"""``python -m lib.batch``: the old name of ``python -m lib.run`` (:mod:`lib.run.cli`)."""

if __name__ == "__main__":
    from lib.run.cli import main

    raise SystemExit(main())
