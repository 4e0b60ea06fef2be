"""The bundled gate simulator: athletes who tire, gate devices with real faults, and ground truth.

gates.sprint_model (kinematics) -> athletes (profiles, fatigue) + plans (what is run) -> session (one
deterministic timeline from a seed) -> gate_device (clocks, beams, heartbeats, resend buffer) ->
link (delay, loss, noise) -> wire (the protocol registry's encoders) -> capture (file + truth JSON),
pty_device (a live pseudo-terminal) or live (an in-process async event source).
"""
