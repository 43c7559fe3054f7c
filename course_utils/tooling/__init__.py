"""The kit's own tooling behind the Makefile: launching JupyterLab, executing notebooks,
exporting slides. Run as ``python -m course_utils.tooling.<name>``."""
