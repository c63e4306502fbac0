"""PeerGraph's benchmark (issue 7): generate, import, serve, measure, report.

Run it as ``python -m bench`` from the repository root; see bench/README.md.
"""
