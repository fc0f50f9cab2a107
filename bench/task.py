"""Public plugin import: ``from bench.task import Task, Split`` (lives in :mod:`bench.core.task`)."""

from bench.core.task import Split, Task, TaskDataError, TaskInfo

__all__ = ["Split", "Task", "TaskDataError", "TaskInfo"]
