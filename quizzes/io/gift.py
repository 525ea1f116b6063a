"""GIFT, Moodle's plain-text question format: reading and writing.

What we read (Moodle's GIFT, plus one extension Moodle does not see):

- questions separated by blank lines; whole-line `//` comments are ignored;
- `$CATEGORY: 禁毒法/第三章` sets the category of the questions after it
  (Moodle's `$course$/`, `$system$/` and `top/` prefixes are dropped);
- `::标题::` a question name, `[html]` / `[moodle]` / `[plain]` / `[markdown]`
  the text format;
- `{=对 ~错 ~错}` single choice; `{~%50%甲 ~%50%乙 ~%-100%丙}` multiple choice
  (all right options 100% → 全对才得分, otherwise 按比例得分); several `=` with
  `~` (`{=甲 =乙 ~丙}`) is also read as multiple choice, 全对才得分;
- `{T}` `{F}` `{TRUE}` `{FALSE}` true/false; `{=禁毒法 =《禁毒法》}` fill-in with
  its accepted answers; `{}` essay; text after the `}` makes the answer a blank
  in the stem (`《禁毒法》于{=2008}年施行` → stem `《禁毒法》于____年施行`);
- `####…` inside the braces is the explanation (解析); `#…` after an answer is
  Moodle's per-answer feedback, which we do not keep;
- `\\~ \\= \\# \\{ \\} \\: \\\\` escape the special characters, `\\n` is a line break.

Our extension: comment lines right before a question (in the same block, or in
a comment-only block before it) carry what Moodle has no place for. Moodle
ignores comments, so the files stay Moodle-compatible::

    // 编号: JD-0001
    // 难度: 容易            (容易 | 中等 | 困难)
    // 知识点: 美沙酮, 维持治疗  (comma, 、 or ； separated)
    // 分值: 2
    // 计分: 按比例得分       (multiple choice: 全对才得分 | 按比例得分)
    // 各空答案: 禁毒法|《禁毒法》；2008   (fill-in with several blanks)

Matching, numerical and description questions are reported as errors.
"""

from __future__ import annotations

import html
import re
from decimal import Decimal

from django.utils.translation import gettext as _

from quizzes.io.images import data_uris_extract
from quizzes.io.types import (
    DIFFICULTY_WRITTEN,
    SCORING_WRITTEN,
    ImportProblem,
    OptionData,
    QuestionSpec,
    blanks_join,
    blanks_split,
    category_path_clean,
    difficulty_choices_text,
    difficulty_parse,
    knowledge_points_split,
    points_parse,
    scoring_parse,
)
from quizzes.models import MultipleScoring, QuestionKind

# Escaped special characters are swapped for private-use characters while the
# structure is parsed, then swapped back into the texts.
_ESCAPABLE = "~=#{}:\\"
_PROTECT = {char: chr(0xE000 + index) for index, char in enumerate(_ESCAPABLE)}
_RESTORE = {value: key for key, value in _PROTECT.items()}
_ESCAPE_RE = re.compile(r"\\(.)", re.DOTALL)

_FORMAT_RE = re.compile(r"^\s*\[(html|moodle|plain|markdown)\]", re.IGNORECASE)
_META_RE = re.compile(
    r"^\s*//\s*(难度|知识点|编号|分值|计分|各空答案)\s*[:：]\s*(.*?)\s*$"
)
_TRUE_FALSE_RE = re.compile(r"^(T|F|TRUE|FALSE)\s*(#.*)?$", re.IGNORECASE | re.DOTALL)
_WEIGHT_RE = re.compile(r"^\s*%\s*(-?\d+(?:\.\d+)?)\s*%")
BLANK_MARK = "____"


class GiftSyntaxError(Exception):
    """One question cannot be read; the message is shown next to its line."""


def _protect(text: str) -> str:
    def replace(match: re.Match) -> str:
        char = match.group(1)
        if char == "n":
            return "\n"
        return _PROTECT.get(char, match.group(0))

    return _ESCAPE_RE.sub(replace, text)


def _restore(text: str) -> str:
    return "".join(_RESTORE.get(char, char) for char in text)


def _markdown(text: str) -> str:
    """Just enough Markdown for a stem: emphasis and line breaks, nothing raw."""
    escaped = html.escape(text, quote=False)
    escaped = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", escaped)
    escaped = re.sub(r"(?<!\*)\*(?!\*)(.+?)\*", r"<em>\1</em>", escaped)
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", escaped) if p.strip()]
    return "".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in paragraphs)


def _text(raw: str, *, default_format: str = "moodle") -> tuple[str, str]:
    """(html, format) of one protected text: restored, in the stored form.

    Moodle and HTML texts are kept as written (the display sanitises them),
    plain text is escaped so "a < b" shows as written.
    """
    text_format = default_format
    match = _FORMAT_RE.match(raw)
    if match:
        text_format = match.group(1).lower()
        raw = raw[match.end() :]
    text = _restore(raw).strip()
    if text_format == "plain":
        text = html.escape(text, quote=False).replace("\n", "<br>")
    elif text_format == "markdown":
        text = _markdown(text)
    return text, text_format


def _split_answers(block: str) -> list[tuple[str, str]]:
    """`=a ~b` → [("=", "a"), ("~", "b")] on the protected answer block."""
    stripped = block.strip()
    if stripped and stripped[0] not in "=~":
        raise GiftSyntaxError(
            _(
                "答案部分的每个答案都必须以“=”（正确）或“~”（错误）开头，"
                "但这里以“%(start)s”开头。"
            )
            % {"start": _restore(stripped[:10])}
        )
    return re.findall(r"([=~])([^=~]*)", stripped)


def _answer_parts(body: str) -> tuple[Decimal | None, str]:
    """(weight, protected text) of one answer, its #feedback dropped."""
    weight = None
    match = _WEIGHT_RE.match(body)
    if match:
        weight = Decimal(match.group(1))
        body = body[match.end() :]
    elif body.lstrip().startswith("%"):
        raise GiftSyntaxError(
            _("答案分值“%(text)s”写法不对，应写成“%%50%%”这样的百分比。")
            % {"text": _restore(body.strip()[:12])}
        )
    text = body.split("#", 1)[0]
    return weight, text


def _question_parse(raw: str, *, line: int, meta: dict, category: str) -> QuestionSpec:
    text = _protect(raw).strip()
    title = ""
    if text.startswith("::"):
        end = text.find("::", 2)
        if end == -1:
            raise GiftSyntaxError(_("题目名称缺少结尾的“::”。"))
        title = _restore(text[2:end]).strip()
        text = text[end + 2 :].lstrip()
    start = text.find("{")
    if start == -1:
        raise GiftSyntaxError(
            _(
                "缺少答案部分“{…}”。如果这是一段说明文字，请改为以“//”开头的注释；"
                "题干中的“{”“}”请写成“\\{”“\\}”。"
            )
        )
    end = text.find("}", start)
    if end == -1:
        raise GiftSyntaxError(_("答案部分缺少结尾的“}”（可能是两道题之间少了空行）。"))
    if "{" in text[start + 1 : end]:
        raise GiftSyntaxError(
            _("答案部分中又出现了“{”：可能是上一题缺少“}”，或两道题之间少了空行。")
        )
    if "{" in text[end + 1 :] or "}" in text[end + 1 :]:
        raise GiftSyntaxError(
            _(
                "一道题只能有一个答案部分“{…}”；可能是两道题之间少了空行，"
                "题干中的“{”“}”请写成“\\{”“\\}”。"
            )
        )
    before, block, after = text[:start], text[start + 1 : end], text[end + 1 :]
    if "}" in before:
        raise GiftSyntaxError(_("题干中出现了多余的“}”，请写成“\\}”。"))
    stem_raw = before.rstrip() if not after.strip() else before + BLANK_MARK + after
    stem, stem_format = _text(stem_raw)
    stem, images, image_errors = data_uris_extract(stem)
    if image_errors:
        raise GiftSyntaxError("；".join(image_errors))

    explanation = ""
    if "####" in block:
        block, feedback = block.split("####", 1)
        explanation, _format = _text(feedback, default_format=stem_format)
    spec = QuestionSpec(
        position=_("第 %(line)s 行") % {"line": line},
        kind=QuestionKind.ESSAY,
        stem=stem,
        explanation=explanation,
        category_path=category,
        title=title,
        images=images,
    )
    answers = block.strip()
    if not answers:
        spec.kind = QuestionKind.ESSAY
    elif _TRUE_FALSE_RE.match(answers):
        spec.kind = QuestionKind.TRUE_FALSE
        spec.true_answer = _TRUE_FALSE_RE.match(answers).group(1).upper()[0] == "T"
    elif answers.startswith("#"):
        raise GiftSyntaxError(_("不支持数值题（答案以“#”开头）。"))
    else:
        _answers_apply(spec, _split_answers(answers), stem_format=stem_format)
    _meta_apply(spec, meta)
    return spec


def _answers_apply(
    spec: QuestionSpec, answers: list[tuple[str, str]], *, stem_format: str
) -> None:
    parsed: list[tuple[str, Decimal | None, str]] = []
    for marker, body in answers:
        if "->" in _restore(body) and marker == "=":
            raise GiftSyntaxError(_("不支持配对题（答案中含“->”）。"))
        weight, raw = _answer_parts(body)
        if weight is not None and not Decimal(-100) <= weight <= Decimal(100):
            raise GiftSyntaxError(
                _("答案分值 %(weight)s%% 超出范围，应在 -100%% 到 100%% 之间。")
                % {"weight": weight}
            )
        text, _format = _text(raw, default_format=stem_format)
        if not text:
            raise GiftSyntaxError(_("有一个答案是空的（“=”或“~”后面没有内容）。"))
        parsed.append((marker, weight, text))
    markers = {marker for marker, _w, _t in parsed}
    if "~" not in markers:
        # Only "=" answers: a fill-in with its accepted answers.
        if any(w is not None and w != 100 for _m, w, _t in parsed):
            raise GiftSyntaxError(
                _("填空题的参考答案都必须是满分答案，不支持“=%%50%%”这样的部分得分。")
            )
        spec.kind = QuestionKind.FILL_IN
        spec.blanks = [[text for _m, _w, text in parsed]]
        return
    weights = [
        (w if w is not None else Decimal(100 if m == "=" else 0)) for m, w, _t in parsed
    ]
    spec.options = [
        OptionData(text=text, is_correct=weight > 0)
        for (_m, _w, text), weight in zip(parsed, weights, strict=True)
    ]
    equals = [m for m, _w, _t in parsed if m == "="]
    positive_tildes = [
        w for (m, _w, _t), w in zip(parsed, weights, strict=True) if m == "~" and w > 0
    ]
    if equals:
        if positive_tildes:
            raise GiftSyntaxError(
                _(
                    "同一题中不能既用“=”标正确答案，又给“~”答案正分值；"
                    "多选题请全部写成“~%%50%%”这样的分值。"
                )
            )
        if len(equals) == 1:
            spec.kind = QuestionKind.SINGLE
        else:
            spec.kind = QuestionKind.MULTIPLE
            spec.scoring = MultipleScoring.ALL_OR_NOTHING
        return
    positives = [w for w in weights if w > 0]
    if not positives:
        raise GiftSyntaxError(
            _(
                "选择题没有正确答案：单选题用“=”标出正确选项，"
                "多选题用“~%%50%%”这样的正分值标出正确选项。"
            )
        )
    spec.kind = QuestionKind.MULTIPLE
    all_full = len(positives) >= 2 and all(w == 100 for w in positives)
    spec.scoring = (
        MultipleScoring.ALL_OR_NOTHING if all_full else MultipleScoring.PARTIAL
    )


def _meta_read(line: str, lineno: int, meta: dict, problems: list) -> None:
    match = _META_RE.match(line)
    if not match:
        return
    key, value = match.groups()
    where = _("第 %(line)s 行") % {"line": lineno}
    if key == "难度":
        difficulty = difficulty_parse(value)
        if difficulty is None:
            problems.append(
                ImportProblem(
                    where,
                    _("难度“%(value)s”无法识别，可填：%(choices)s。")
                    % {"value": value, "choices": difficulty_choices_text()},
                )
            )
        else:
            meta["difficulty"] = difficulty
    elif key == "知识点":
        meta["knowledge_points"] = knowledge_points_split(value)
    elif key == "编号":
        meta["code"] = value.strip()
    elif key == "分值":
        points = points_parse(value)
        if points is None:
            problems.append(
                ImportProblem(
                    where,
                    _("分值“%(value)s”无效，应为大于 0 的数，最多两位小数。")
                    % {"value": value},
                )
            )
        else:
            meta["points"] = points
    elif key == "计分":
        scoring = scoring_parse(value)
        if scoring is None:
            problems.append(
                ImportProblem(
                    where,
                    _("计分方式“%(value)s”无法识别，可填：全对才得分、按比例得分。")
                    % {"value": value},
                )
            )
        else:
            meta["scoring"] = scoring
    elif key == "各空答案":
        meta["blanks"] = blanks_split(value)


def _meta_apply(spec: QuestionSpec, meta: dict) -> None:
    for key in ("difficulty", "knowledge_points", "code", "points"):
        if key in meta:
            setattr(spec, key, meta[key])
    if "scoring" in meta and spec.kind == QuestionKind.MULTIPLE:
        spec.scoring = meta["scoring"]
    if "blanks" in meta:
        if spec.kind != QuestionKind.FILL_IN:
            raise GiftSyntaxError(
                _("“// 各空答案”只能用于填空题（答案写成“{=答案}”的题目）。")
            )
        spec.blanks = meta["blanks"]


def gift_read(text: str) -> tuple[list[QuestionSpec], list[ImportProblem]]:
    """Every question of a GIFT text, and every problem with its line number."""
    specs: list[QuestionSpec] = []
    problems: list[ImportProblem] = []
    category = ""
    pending: dict = {}
    block: list[tuple[int, str]] = []

    def flush() -> None:
        nonlocal category, pending
        lines = list(block)
        block.clear()
        meta = dict(pending)
        content: list[tuple[int, str]] = []
        for lineno, line in lines:
            stripped = line.lstrip()
            if stripped.startswith("//"):
                if not content:
                    _meta_read(line, lineno, meta, problems)
                continue
            if not content and stripped.upper().startswith("$CATEGORY:"):
                raw = stripped[len("$CATEGORY:") :]
                category = category_path_clean(_restore(_protect(raw)))
                continue
            content.append((lineno, line))
        if not content:
            pending = meta  # comments right before the question, or a category
            return
        first_line = content[0][0]
        pending = {}
        raw_question = "\n".join(line for _n, line in content)
        try:
            specs.append(
                _question_parse(
                    raw_question, line=first_line, meta=meta, category=category
                )
            )
        except GiftSyntaxError as exc:
            problems.append(
                ImportProblem(_("第 %(line)s 行") % {"line": first_line}, str(exc))
            )

    for lineno, line in enumerate(text.split("\n"), 1):
        if line.strip():
            block.append((lineno, line.rstrip("\r")))
        elif block:
            flush()
    if block:
        flush()
    return specs, problems


# ---------------------------------------------------------------------- writing


def _escape(text: str) -> str:
    escaped = "".join(f"\\{char}" if char in _ESCAPABLE else char for char in text)
    return escaped.replace("\r\n", "\n").replace("\n", "\\n")


def _looks_like_html(text: str) -> bool:
    return bool(re.search(r"<[a-zA-Z/!]", text))


def _weight(value: Decimal) -> str:
    text = f"{value:.5f}".rstrip("0").rstrip(".")
    return text or "0"


def gift_question_write(spec: QuestionSpec) -> str:
    """One question in GIFT, with our comment lines before it."""
    lines: list[str] = []
    if spec.code:
        lines.append(f"// 编号: {spec.code}")
    lines.append(f"// 难度: {DIFFICULTY_WRITTEN.get(spec.difficulty, '中等')}")
    if spec.knowledge_points:
        lines.append(f"// 知识点: {'、'.join(spec.knowledge_points)}")
    if spec.points != Decimal(1):
        lines.append(f"// 分值: {_weight(spec.points)}")
    correct = [option for option in spec.options if option.is_correct]
    if spec.kind == QuestionKind.MULTIPLE and len(correct) == 1:
        # One right option: the weights alone cannot say how it is scored.
        lines.append(f"// 计分: {SCORING_WRITTEN[spec.scoring]}")
    if spec.kind == QuestionKind.FILL_IN and len(spec.blanks) > 1:
        lines.append(f"// 各空答案: {blanks_join(spec.blanks)}")
    head = f"::{_escape(spec.code)}::" if spec.code else ""
    if _looks_like_html(spec.stem):
        head += "[html]"
    head += _escape(spec.stem)

    answers: list[str] = []
    if spec.kind == QuestionKind.SINGLE:
        answers = [
            ("=" if option.is_correct else "~") + _escape(option.text)
            for option in spec.options
        ]
    elif spec.kind == QuestionKind.MULTIPLE:
        if spec.scoring == MultipleScoring.PARTIAL:
            share = Decimal(100) / max(1, len(correct))
        else:
            share = Decimal(100)
        for option in spec.options:
            weight = share if option.is_correct else Decimal(-100)
            answers.append(f"~%{_weight(weight)}%{_escape(option.text)}")
    elif spec.kind == QuestionKind.TRUE_FALSE:
        answers = ["TRUE" if spec.true_answer else "FALSE"]
    elif spec.kind == QuestionKind.FILL_IN:
        first = spec.blanks[0] if spec.blanks else []
        answers = [f"={_escape(answer)}" for answer in first]
    if spec.explanation:
        answers.append(f"####{_escape(spec.explanation)}")
    if len(answers) > 1 or spec.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        body = "{\n" + "\n".join(f"\t{answer}" for answer in answers) + "\n}"
    else:
        body = "{" + "".join(answers) + "}"
    lines.append(f"{head}{body}")
    return "\n".join(lines)


def gift_write(specs: list[QuestionSpec], *, header: str = "") -> str:
    """A GIFT file of `specs`, grouped under `$CATEGORY:` lines."""
    parts: list[str] = []
    if header:
        parts.append("\n".join(f"// {line}" for line in header.splitlines()))
    category = None
    for spec in specs:
        if spec.category_path != category:
            category = spec.category_path
            parts.append(f"$CATEGORY: $course$/top/{category}")
        parts.append(gift_question_write(spec))
    return "\n\n".join(parts) + "\n"
