"""`%load_ext transferlings` in IPython, Jupyter, Colab or Kaggle. The project's import
packages are `quiz` and `grader`; IPython looks for the extension's functions in the
package named by %load_ext, so this one hands them over from quiz.reach.notebook."""

from quiz.reach.notebook import load_ipython_extension, unload_ipython_extension

__all__ = ["load_ipython_extension", "unload_ipython_extension"]
