"""Research outputs: exports, snapshots, plots and the Datasette app, all reading the store."""
