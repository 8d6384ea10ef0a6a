"""``python -m attrib``: the ``attrib`` command."""
if __name__ == "__main__":  # not in a worker process that imports this module again
    from attrib.cli.main import main

    main()
