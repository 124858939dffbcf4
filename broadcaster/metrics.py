"""Prometheus metrics of one service instance (its own registry, so tests can run many)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.deliveries = Counter(
            "broadcaster_deliveries",
            "Delivery outcomes written, by channel, account and status",
            ["channel", "account", "status"],
            registry=self.registry,
        )
        self.rate_limits = Counter(
            "broadcaster_rate_limited",
            "Provider rate-limit answers (each pauses the account)",
            ["channel", "account"],
            registry=self.registry,
        )
        self.send_latency = Histogram(
            "broadcaster_send_latency_seconds",
            "Time for one provider send call",
            ["channel"],
            buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        self.queue_depth = Gauge(
            "broadcaster_queue_depth",
            "Deliveries not yet finished, by account and status (queued, sending)",
            ["account", "status"],
            registry=self.registry,
        )
        self.groups = Gauge(
            "broadcaster_groups",
            "Groups by channel and status",
            ["channel", "status"],
            registry=self.registry,
        )

        self.blocked = Gauge(
            "broadcaster_account_blocked",
            "1 while the provider has restricted the account (alert), by provider code",
            ["channel", "account", "code"],
            registry=self.registry,
        )
        self.blocked_accounts: dict[str, str] = {}  # account → provider code, for /healthz
        self.task_up = Gauge(
            "broadcaster_engine_task_up",
            "1 while an engine task (planner, sender:<account>, leases, …) runs; 0 while it is "
            "down, waiting to be restarted after a failure",
            ["task"],
            registry=self.registry,
        )
        self.task_restarts = Counter(
            "broadcaster_engine_task_failures",
            "Engine task failures (each is followed by a restart)",
            ["task"],
            registry=self.registry,
        )
        self.held = Gauge(
            "broadcaster_account_held",
            "1 while the account holds its deliveries (quiet hours, daily cap, provider pause "
            "or block), by reason",
            ["channel", "account", "reason"],
            registry=self.registry,
        )
        self.held_accounts: dict[str, str] = {}  # account → hold reason, for /healthz
        self.dead_letters = Gauge(
            "broadcaster_inbound_dead_letters",
            "Inbound updates skipped as dead letters (unreadable or never applicable), by account",
            ["account"],
            registry=self.registry,
        )
        # the hoax desk (issue 14), read from the store on each scrape
        self.hoax_reports_today = Gauge(
            "broadcaster_hoax_reports_today",
            "Hoax reports received today (UTC day), every channel and the web form",
            registry=self.registry,
        )
        self.hoax_open_cases = Gauge(
            "broadcaster_hoax_open_cases",
            "Hoax cases without a confirmed verdict (open, or a verdict awaiting confirmation)",
            registry=self.registry,
        )
        self.hoax_verdict_median = Gauge(
            "broadcaster_hoax_verdict_median_seconds",
            "Median time from a case's first report to its confirmed verdict, cases confirmed "
            "in the last 30 days (NaN: none)",
            registry=self.registry,
        )
        # CAP feeds (issue 15): a feed that keeps failing means warnings are not arriving
        self.cap_feed_failures = Gauge(
            "broadcaster_cap_feed_failures",
            "Failed polls in a row of a CAP feed (0 after a success)",
            ["feed"],
            registry=self.registry,
        )

        # labels() costs microseconds per call: on the hot path, reuse the children
        self._delivery_children: dict[tuple[str, str, str], Counter] = {}
        self._latency_children: dict[str, Histogram] = {}

    def delivery(self, channel: str, account: str, status: str, count: int = 1) -> None:
        key = (channel, account, status)
        child = self._delivery_children.get(key)
        if child is None:
            child = self._delivery_children[key] = self.deliveries.labels(*key)
        child.inc(count)

    def rate_limited(self, channel: str, account: str) -> None:
        self.rate_limits.labels(channel, account).inc()

    def account_blocked(self, channel: str, account: str, code: str | None) -> None:
        """Raise (``code`` given) or clear (None) the blocked-account alert."""
        previous = self.blocked_accounts.pop(account, None)
        if previous is not None:
            self.blocked.labels(channel, account, previous).set(0)
        if code is not None:
            self.blocked_accounts[account] = code or "blocked"
            self.blocked.labels(channel, account, code or "blocked").set(1)

    def account_held(self, channel: str, account: str, reason: str | None) -> None:
        """Set (``reason`` given) or clear (None) the account's hold."""
        previous = self.held_accounts.pop(account, None)
        if previous is not None:
            self.held.labels(channel, account, previous).set(0)
        if reason is not None:
            self.held_accounts[account] = reason
            self.held.labels(channel, account, reason).set(1)

    def dead_letters_counted(self, counts: dict[str, int]) -> None:
        """Set the dead-letter gauge from the store's counts (every process sees them all)."""
        for account, count in counts.items():
            self.dead_letters.labels(account).set(count)

    def hoax_counted(
        self, reports_today: int, open_cases: int, median_seconds: float | None
    ) -> None:
        """Set the hoax desk's gauges from the store's figures."""
        self.hoax_reports_today.set(reports_today)
        self.hoax_open_cases.set(open_cases)
        self.hoax_verdict_median.set(float("nan") if median_seconds is None else median_seconds)

    def latency(self, channel: str, seconds: float) -> None:
        child = self._latency_children.get(channel)
        if child is None:
            child = self._latency_children[channel] = self.send_latency.labels(channel)
        child.observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
