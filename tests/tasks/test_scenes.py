"""The scene generator: answers recomputed from the scene description, images drawn as described."""

from __future__ import annotations

import json
import math
import random

import numpy as np
import pytest

from mathrl_pipeline.tasks import scenes
from mathrl_pipeline.tasks.scenes import QUESTION_TYPES, Scene, SceneObject, generate_qas, render_qa

SHAPES = ("sphere", "cube", "cylinder", "cone")


def _u(obj: dict, cam: dict) -> float:
    return cam["width"] / 2 + cam["focal"] * obj["x"] / obj["z"]


def _radius(obj: dict, cam: dict) -> float:
    return cam["focal"] * obj["size"] / obj["z"]


def _name(obj: dict) -> str:
    return f"{obj['color']} {obj['shape']}"


def recompute_answer(description: str) -> str:
    """An independent oracle: the answer from the JSON description alone (no generator code)."""
    data = json.loads(description)
    cam, objs, args = data["scene"]["camera"], data["scene"]["objects"], data["args"]
    kind = data["question_type"]
    if kind == "left_right":
        a, b = (objs[i] for i in args)
        return "left" if _u(a, cam) < _u(b, cam) else "right"
    if kind == "depth":
        a, b = (objs[i] for i in args)
        return _name(min((a, b), key=lambda o: o["z"]))
    if kind == "count":
        return str(sum(o["shape"] == SHAPES[args[0]] for o in objs))
    if kind == "size":
        return _name(max((objs[i] for i in args), key=lambda o: _radius(o, cam)))
    if kind == "distance":
        ref, b, c = (objs[i] for i in args)

        def dist(o: dict) -> float:
            return math.hypot(o["x"] - ref["x"], o["z"] - ref["z"])

        return _name(min((b, c), key=dist))
    if kind == "obj_movement":
        before = objs[args[0]]["x"]
        after = data["moved_scene"]["objects"][args[0]]["x"]
        return "right" if after > before else "left"
    raise AssertionError(kind)


@pytest.fixture(scope="module")
def qas() -> list[scenes.QA]:
    return generate_qas(120, seed=7, question_types=QUESTION_TYPES)


def test_every_answer_matches_the_oracle(qas: list[scenes.QA]) -> None:
    assert {qa.question_type for qa in qas} == set(QUESTION_TYPES)
    for qa in qas:
        assert recompute_answer(qa.description()) == qa.answer, qa.question


def test_choices_are_distinct_and_between_two_and_four(qas: list[scenes.QA]) -> None:
    for qa in qas:
        assert 2 <= len(qa.choices) <= 4
        assert len(set(qa.choices)) == len(qa.choices)


def test_objects_are_unique_and_do_not_overlap_in_the_image(qas: list[scenes.QA]) -> None:
    for qa in qas:
        names = [o.name for o in qa.scene.objects]
        assert len(names) == len(set(names))
        boxes = [p.bbox for p in qa.scene.projected()]
        for i, a in enumerate(boxes):
            for b in boxes[i + 1:]:
                assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]


def test_description_round_trips(qas: list[scenes.QA]) -> None:
    for qa in qas[:10]:
        data = json.loads(qa.description())
        assert Scene.from_dict(data["scene"]) == qa.scene


def test_generation_is_seeded() -> None:
    first = [qa.description() for qa in generate_qas(10, seed=3)]
    again = [qa.description() for qa in generate_qas(10, seed=3)]
    other = [qa.description() for qa in generate_qas(10, seed=4)]
    assert first == again and first != other


@pytest.mark.parametrize(
    ("color", "shape"),
    [
        ("red", "cube"),  # flat faces
        ("blue", "sphere"),  # shaded disc
        ("green", "cylinder"),  # rectangle with ellipses
        ("yellow", "cone"),  # triangle
    ],
)
def test_object_is_drawn_where_the_projection_puts_it(color: str, shape: str) -> None:
    obj = SceneObject(shape=shape, color=color, x=0.0, z=4.0, size=0.5)
    scene = Scene(objects=(obj,))
    (image,) = render_qa(scenes.QA("count", "?", ("1", "0"), (0,), scene))
    p = scene.projected()[0]
    pixels = np.asarray(image).astype(int)
    target = np.array(scenes.COLORS[color])
    centre = pixels[round(p.v_base - p.radius), round(p.u)]
    # the object's own colour (possibly shaded) at its projected centre, ground far from it
    assert np.argmax(centre) == np.argmax(target)
    far_corner = pixels[-5, 5]
    assert np.abs(far_corner - target).sum() > 100


def test_nearer_objects_are_lower_and_larger() -> None:
    near = SceneObject("cube", "red", 0.0, 3.0, 0.5)
    far = SceneObject("cube", "blue", 0.0, 9.0, 0.5)
    p_near, p_far = Scene(objects=(near, far)).projected()
    assert p_near.v_base > p_far.v_base and p_near.radius > p_far.radius


def test_unknown_question_type_is_refused() -> None:
    scene = scenes.sample_scene(random.Random(0))
    with pytest.raises(ValueError, match="unknown question_type"):
        scenes.ask(scene, "colour", random.Random(0))
