"""Imported by the worker fork server before it forks workers: every reader is loaded once there."""

from exposure.worker import warm_up

warm_up()
