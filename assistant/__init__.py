"""Offline, citation-first assistant for 慈党发〔2019〕78号《新时代慈溪产业工人队伍建设改革实施方案》."""
import os

# Nothing may phone home: set before any library that reads these is imported.
for _var, _value in (("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_OFFLINE", "1"), ("HF_HUB_DISABLE_TELEMETRY", "1"),
                     ("ANONYMIZED_TELEMETRY", "False"), ("GRADIO_ANALYTICS_ENABLED", "False")):
    os.environ.setdefault(_var, _value)

from assistant.assistant import Assistant  # noqa: E402
from assistant.answer import Answer, Citation  # noqa: E402

__all__ = ["Assistant", "Answer", "Citation"]
