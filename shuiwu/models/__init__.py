"""The domain model. Importing this package registers every table on `Base.metadata`."""

from shuiwu.models.accounts import BindingStatus, HouseholdMember, Role, StaffFunction, User
from shuiwu.models.billing import (
    Bill,
    BillLine,
    BillStatus,
    ChargeKind,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Tariff,
    TariffTier,
)
from shuiwu.models.forecasts import ForecastJob, ForecastJobLog, ForecastSnapshot, JobStatus
from shuiwu.models.households import (
    DistrictFlow,
    Household,
    Meter,
    Reading,
    ReadingSource,
    ReadingStatus,
)
from shuiwu.models.kb import (
    KbEntry,
    KbFeedback,
    KbKind,
    KbQueueItem,
    KbState,
    KbStatus,
    KbVersion,
    QueueReason,
    QueueStatus,
)
from shuiwu.models.payments_chat import (
    HandoffMessage,
    HandoffRequest,
    HandoffStatus,
    PaymentOrder,
)
from shuiwu.models.photos import MeterFace, MeterPhoto, PhotoStatus, TrainingCrop, Upload
from shuiwu.models.security import (
    AuthSession,
    CodePurpose,
    OutboxMessage,
    OutboxStatus,
    RefreshToken,
    VerificationCode,
)
from shuiwu.models.service import (
    AuditEntry,
    Notification,
    NotificationChannel,
    Ticket,
    TicketAttachment,
    TicketCategory,
    TicketEvent,
    TicketStatus,
)

__all__ = [
    "AuditEntry", "AuthSession", "CodePurpose", "OutboxMessage", "OutboxStatus", "RefreshToken",
    "VerificationCode", "Bill", "BillLine", "BillStatus", "BindingStatus", "ChargeKind",
    "DistrictFlow", "FaqEntry", "ForecastJob", "ForecastJobLog", "ForecastSnapshot", "JobStatus", "FaqVersion", "Household", "HouseholdMember", "Meter",
    "Notification", "NotificationChannel", "Payment", "PaymentMethod", "PaymentStatus",
    "Reading", "ReadingSource", "ReadingStatus", "Role", "StaffFunction", "Tariff",
    "TariffTier", "Ticket", "TicketAttachment", "TicketCategory", "TicketEvent",
    "TicketStatus", "User", "HandoffMessage", "HandoffRequest", "HandoffStatus", "PaymentOrder",
    "KbEntry", "KbFeedback", "KbKind", "KbQueueItem", "KbState", "KbStatus", "KbVersion",
    "QueueReason", "QueueStatus",
    "MeterFace", "MeterPhoto", "PhotoStatus", "TrainingCrop", "Upload",
]

# The knowledge base replaced the foundation's FAQ tables; the old names stay importable.
FaqEntry = KbEntry
FaqVersion = KbVersion
