"""On-call verifiers (issue 15): the weekly rota (:mod:`.rota`), its management with
authorisation and audit (:mod:`.manage`), the engine task that alerts and escalates
(:mod:`.alerts`), and the per-emergency timings (:mod:`.timings`). Set-up:
docs/emergency.md."""
