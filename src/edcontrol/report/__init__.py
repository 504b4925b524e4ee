"""The LessonReport schema (versioned) and its exports."""

from edcontrol.report.schema import SCHEMA_VERSION, LessonReport

__all__ = ["SCHEMA_VERSION", "LessonReport"]
