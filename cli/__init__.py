"""The `glocal` command line: parse options, call a function, print."""
