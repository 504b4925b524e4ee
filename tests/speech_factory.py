"""Synthetic spoken lessons for tests: espeak-ng voices (installed by scripts/test.sh), real encoding."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edcontrol.media.audio import read_audio

RATE = 16_000


@dataclass(frozen=True)
class Line:
    speaker: str  # "teacher" | "student"
    text: str
    rude: bool = False


VOICES = {
    "en": {"teacher": ["-v", "en-us", "-s", "150", "-p", "40"], "student": ["-v", "en-us+f3", "-s", "165", "-p", "70"]},
    "ru": {"teacher": ["-v", "ru", "-s", "140", "-p", "40"], "student": ["-v", "ru+f3", "-s", "155", "-p", "75"]},
}

SCRIPTS = {
    "en": [
        Line("teacher", "Good morning everyone. Today we are going to talk about fractions and how to add them."),
        Line("student", "Good morning. I tried the homework but I did not understand the second exercise."),
        Line("teacher", "That is fine. Let us look at it together. What is one half plus one quarter?"),
        Line("student", "I think it is two sixths, but I am not sure about it."),
        Line("teacher", "You are an idiot! Shut up and sit down, you stupid boy!", rude=True),
        Line("student", "Sorry. I will try again and read the chapter once more."),
        Line("teacher", "Good. Please write the answer in your notebook and we will check it together."),
        Line("student", "Thank you. I will write it down now and show you in a minute."),
    ],
    "ru": [
        Line("teacher", "Доброе утро. Сегодня мы будем решать задачи на сложение дробей."),
        Line("student", "Доброе утро. Я делал домашнее задание, но не понял второе упражнение."),
        Line("teacher", "Хорошо, давай разберём его вместе. Сколько будет половина плюс четверть?"),
        Line("student", "Я думаю, что две шестых, но я не уверен."),
        Line("teacher", "Ты тупой идиот! Замолчи и сядь на место, дурак!", rude=True),
        Line("student", "Извините. Я попробую ещё раз и перечитаю главу."),
        Line("teacher", "Хорошо. Запиши ответ в тетрадь, и мы проверим его вместе."),
        Line("student", "Спасибо. Я сейчас запишу и покажу вам через минуту."),
    ],
}


# the same lessons with the rude turn replaced by polite criticism, said calmly: never a shown moment
POLITE = {
    "en": "No, this answer is wrong. Let us try again, step by step.",
    "ru": "Нет, этот ответ неверный. Давай попробуем ещё раз, по шагам.",
}
for _lang, _lines in list(SCRIPTS.items()):
    SCRIPTS[f"{_lang}_polite"] = [Line(x.speaker, POLITE[_lang]) if x.rude else x for x in _lines]
    VOICES[f"{_lang}_polite"] = VOICES[_lang]


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


def say(text: str, voice: list[str], rude: bool) -> np.ndarray:
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "line.wav"
        args = list(voice)
        if rude:  # shouting: faster, higher, louder
            args = [*args[:2], "-s", "185", "-p", "75", "-a", "200"]
        subprocess.run(["espeak-ng", *args, "-w", str(wav), text], check=True, capture_output=True)
        audio = read_audio(wav)
    peak = float(np.abs(audio).max()) or 1.0
    return audio / peak * (0.9 if rude else 0.22)


def spoken_lesson(language: str, gap_s: float = 0.8) -> tuple[np.ndarray, list[tuple[str, float, float, bool]]]:
    """Audio of the scripted lesson and its truth: (speaker, start, end, rude) per line."""
    parts, truth, t = [np.zeros(int(0.5 * RATE), np.float32)], [], 0.5
    for line in SCRIPTS[language]:
        audio = say(line.text, VOICES[language][line.speaker], line.rude)
        truth.append((line.speaker, t, t + len(audio) / RATE, line.rude))
        parts += [audio, np.zeros(int(gap_s * RATE), np.float32)]
        t += len(audio) / RATE + gap_s
    return np.concatenate(parts).astype(np.float32), truth
