"""Actions of the nakano plugin, one module per subject; CKAN's blanket
loads the names in ``__all__``."""
from __future__ import annotations

from . import (analysis, catalog, chart, data_request, dataset, disclosure, input_checks, inventory, metrics, reports, reuse,
               xloader)
from .analysis import *  # noqa: F401,F403
from .catalog import *  # noqa: F401,F403
from .chart import *  # noqa: F401,F403
from .data_request import *  # noqa: F401,F403
from .dataset import *  # noqa: F401,F403
from .disclosure import *  # noqa: F401,F403
from .input_checks import *  # noqa: F401,F403
from .inventory import *  # noqa: F401,F403
from .metrics import *  # noqa: F401,F403
from .reports import *  # noqa: F401,F403
from .reuse import *  # noqa: F401,F403
from .xloader import *  # noqa: F401,F403

__all__ = [*analysis.__all__, *catalog.__all__, *chart.__all__, *data_request.__all__, *dataset.__all__, *disclosure.__all__, *input_checks.__all__,
           *inventory.__all__, *metrics.__all__, *reports.__all__, *reuse.__all__, *xloader.__all__]
