"""The command line. When it is the program being run, Ctrl-C is guarded from here on,
before the heavy imports: the options of an interrupted `create` are kept (see rescue)."""

import sys as _sys

from ..system import is_program as _is_program

if _is_program(_sys.argv[0]):
    from .rescue import guard as _guard

    _guard(_sys.argv[1:], early=True)
