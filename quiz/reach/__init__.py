"""Practise where you are: the app in a browser (serve), grading in a Jupyter notebook
(notebook: `%load_ext transferlings`), the questions on a phone (anki_deck). Each module
imports its own library (textual-serve, IPython, genanki) at import time, so nothing here
is imported until its command or extension is used."""
