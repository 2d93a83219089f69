"""What the control API inspects and injects, without Flask: the request log and the fault rules."""
from .fault_rules import FaultRules
from .request_log import RequestLog

__all__ = ["FaultRules", "RequestLog"]
