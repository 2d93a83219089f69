"""What the control API inspects and injects, without Flask: the request journal and the fault rules."""
from .faults import FaultRules
from .journal import RequestJournal

__all__ = ["FaultRules", "RequestJournal"]
