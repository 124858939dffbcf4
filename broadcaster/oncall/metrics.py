"""``/metrics`` of the on-call lane, on the engine's registry:

* ``broadcaster_oncall_alerts_total{level,channel}`` — alerts queued;
* ``broadcaster_oncall_waiting`` — announcements with open alerts (nobody decided yet);
* ``broadcaster_emergency_stage_seconds{stage}`` — per alerted announcement, observed once
  each: ``system`` (warning received → draft), ``human`` (draft → approved), ``verify``
  (submitted → approved) when its alerts close as approved; ``first`` and ``p95`` (approved →
  first / 95 % of groups reached) when its deliveries get there (watched by this process for a
  day after the approval; a restart forgets the watch, the CLI and the page still show them).
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

STAGES = ("system", "human", "verify", "first", "p95")
BUCKETS = (5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 21600, 86400)


class OncallMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.alerts = Counter(
            "broadcaster_oncall_alerts",
            "On-call alerts queued, by escalation level and channel",
            ["level", "channel"],
            registry=registry,
        )
        self.waiting = Gauge(
            "broadcaster_oncall_waiting",
            "Announcements whose on-call alerts are open (nobody approved or rejected yet)",
            registry=registry,
        )
        self.stage = Histogram(
            "broadcaster_emergency_stage_seconds",
            "Per alerted announcement: warning received → draft (system), draft → approved "
            "(human), submitted → approved (verify), approved → first / 95 % of groups reached",
            ["stage"],
            buckets=BUCKETS,
            registry=registry,
        )

    def observe(self, stage: str, seconds: float | None) -> None:
        if seconds is not None:
            self.stage.labels(stage).observe(seconds)
