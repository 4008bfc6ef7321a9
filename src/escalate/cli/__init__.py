"""The command line. When it is the program being run, Ctrl-C is guarded from here on,
before the heavy imports: the options of an interrupted `create` are kept (see rescue)."""

import os as _os
import sys as _sys

if _os.path.basename(_sys.argv[0]) == "escalate" or _sys.argv[0].endswith(
        _os.path.join("escalate", "__main__.py")):
    from .rescue import guard as _guard

    _guard(_sys.argv[1:], early=True)
