"""Synthetic spatial scenes drawn with Pillow, with questions whose answers follow from the scene.

A scene is a few solid objects (sphere, cube, cylinder, cone) standing on a ground plane, seen by
a pinhole camera. Every object has a known world position (``x`` to the right of the camera axis,
``z`` depth in front of the camera, metres) and a world radius (``size``); the projection gives its
image position and apparent size. Objects never overlap in the image, so every object is fully
visible and counting is unambiguous.

Questions (``question_type``):

* ``left_right`` (2D): is object A to the left or to the right of object B in the image?
* ``depth`` (3D): which of two objects is closer to the camera?
* ``count`` (2D): how many objects of one shape? (4 numeric choices)
* ``size`` (2D): which of 2-3 objects appears largest in the image?
* ``distance`` (3D): which of two objects is closer to a third one in the world?
* ``obj_movement`` (two images): did an object move to the left or to the right?

Every :class:`QA` records the indices of the objects it asks about (``args``) so that a test can
recompute the answer from the scene description alone. Choices are listed with the correct answer
first (the SAT generator's convention); shuffling happens downstream, with a seed.

Plain Python: no Kedro, no torch.
"""

from __future__ import annotations

import json
import logging
import math
import random
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from PIL import Image, ImageDraw

logger = logging.getLogger(__name__)

SHAPES: tuple[str, ...] = ("sphere", "cube", "cylinder", "cone")
COLORS: dict[str, tuple[int, int, int]] = {
    "red": (200, 40, 40),
    "blue": (40, 80, 210),
    "green": (40, 150, 60),
    "yellow": (225, 195, 35),
    "purple": (130, 60, 170),
    "orange": (240, 130, 30),
    "cyan": (40, 180, 190),
    "gray": (125, 125, 125),
}
QUESTION_TYPES: tuple[str, ...] = (
    "left_right",
    "depth",
    "count",
    "size",
    "distance",
    "obj_movement",
)
SINGLE_IMAGE_TYPES: tuple[str, ...] = tuple(t for t in QUESTION_TYPES if t != "obj_movement")

# Margins that keep every answer clear-cut (pixels in the image, metres in the world).
MIN_GAP_PX = 6.0
MIN_LATERAL_PX = 20.0
MIN_DEPTH_GAP_M = 1.0
MIN_DISTANCE_GAP_M = 1.0
MIN_SIZE_RATIO = 1.25
MIN_RADIUS_PX = 9.0
MIN_MOVE_PX = 30.0


@dataclass(frozen=True)
class Camera:
    """A pinhole camera at height ``height_m`` looking along the ground, horizon at ``horizon``."""

    width: int = 384
    height: int = 288
    focal: float = 300.0
    height_m: float = 1.4
    horizon: float = 96.0


@dataclass(frozen=True)
class SceneObject:
    """One object on the ground: world position (x right, z depth), world radius, looks."""

    shape: str
    color: str
    x: float
    z: float
    size: float

    @property
    def name(self) -> str:
        """How questions refer to the object: ``"red cube"``."""
        return f"{self.color} {self.shape}"


@dataclass(frozen=True)
class Projected:
    """An object's footprint in the image: centre column, base row and apparent radius."""

    u: float
    v_base: float
    radius: float

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """(left, top, right, bottom) in pixels."""
        return (self.u - self.radius, self.v_base - 2 * self.radius, self.u + self.radius,
                self.v_base)


def project(obj: SceneObject, camera: Camera) -> Projected:
    """Project an object standing on the ground into the image."""
    u = camera.width / 2 + camera.focal * obj.x / obj.z
    v_base = camera.horizon + camera.focal * camera.height_m / obj.z
    return Projected(u=u, v_base=v_base, radius=camera.focal * obj.size / obj.z)


@dataclass(frozen=True)
class Scene:
    """A set of objects seen by one camera."""

    objects: tuple[SceneObject, ...]
    camera: Camera = field(default_factory=Camera)

    def projected(self) -> list[Projected]:
        """Image footprints of the objects, in object order."""
        return [project(o, self.camera) for o in self.objects]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description of the scene."""
        return {"camera": asdict(self.camera), "objects": [asdict(o) for o in self.objects]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Scene:
        """Rebuild a scene from :meth:`to_dict`."""
        return cls(
            objects=tuple(SceneObject(**o) for o in data["objects"]),
            camera=Camera(**data["camera"]),
        )


@dataclass(frozen=True)
class QA:
    """One question about a scene; ``choices[0]`` is the answer; ``args`` index the objects."""

    question_type: str
    question: str
    choices: tuple[str, ...]
    args: tuple[int, ...]
    scene: Scene
    moved_scene: Scene | None = None

    @property
    def answer(self) -> str:
        """The correct choice."""
        return self.choices[0]

    @property
    def num_images(self) -> int:
        """1, or 2 for before/after questions."""
        return 1 if self.moved_scene is None else 2

    def description(self) -> str:
        """JSON of the scene(s) and the question's arguments: enough to recompute the answer."""
        data: dict[str, Any] = {
            "question_type": self.question_type,
            "args": list(self.args),
            "scene": self.scene.to_dict(),
        }
        if self.moved_scene is not None:
            data["moved_scene"] = self.moved_scene.to_dict()
        return json.dumps(data, sort_keys=True)


# --------------------------------------------------------------------------------------------
# Sampling


def _fits(candidate: Projected, others: list[Projected], camera: Camera) -> bool:
    left, top, right, bottom = candidate.bbox
    if left < 4 or right > camera.width - 4 or bottom > camera.height - 4 or top < 4:
        return False
    if candidate.radius < MIN_RADIUS_PX:
        return False
    for other in others:
        o_left, o_top, o_right, o_bottom = other.bbox
        separated = (
            right + MIN_GAP_PX <= o_left
            or o_right + MIN_GAP_PX <= left
            or bottom + MIN_GAP_PX <= o_top
            or o_bottom + MIN_GAP_PX <= top
        )
        if not separated:
            return False
    return True


def sample_scene(
    rng: random.Random,
    *,
    min_objects: int = 2,
    max_objects: int = 5,
    camera: Camera | None = None,
    max_tries: int = 400,
) -> Scene:
    """Draw a scene with distinct (colour, shape) objects that do not overlap in the image."""
    camera = camera or Camera()
    target = rng.randint(min_objects, max_objects)
    objects: list[SceneObject] = []
    footprints: list[Projected] = []
    used: set[tuple[str, str]] = set()
    tries = 0
    while len(objects) < target and tries < max_tries:
        tries += 1
        shape = rng.choice(SHAPES)
        color = rng.choice(sorted(COLORS))
        if (color, shape) in used:
            continue
        z = rng.uniform(3.0, 12.0)
        half_width = z * (camera.width / 2 - 20) / camera.focal
        candidate = SceneObject(
            shape=shape,
            color=color,
            x=round(rng.uniform(-half_width, half_width), 3),
            z=round(z, 3),
            size=round(rng.uniform(0.25, 0.7), 3),
        )
        footprint = project(candidate, camera)
        if not _fits(footprint, footprints, camera):
            continue
        objects.append(candidate)
        footprints.append(footprint)
        used.add((color, shape))
    return Scene(objects=tuple(objects), camera=camera)


# --------------------------------------------------------------------------------------------
# Questions (answers computed from the scene; choices[0] is correct)


def _the(obj: SceneObject) -> str:
    return f"the {obj.name}"


def _plural(shape: str) -> str:
    return "spheres" if shape == "sphere" else f"{shape}s"


def world_distance(a: SceneObject, b: SceneObject) -> float:
    """Distance between two objects' centres on the ground plane, metres."""
    return math.hypot(a.x - b.x, a.z - b.z)


def _ask_left_right(scene: Scene, rng: random.Random) -> QA | None:
    proj = scene.projected()
    pairs = [
        (i, j)
        for i in range(len(scene.objects))
        for j in range(len(scene.objects))
        if i != j and abs(proj[i].u - proj[j].u) >= MIN_LATERAL_PX
    ]
    if not pairs:
        return None
    i, j = rng.choice(pairs)
    a, b = scene.objects[i], scene.objects[j]
    answer = "left" if proj[i].u < proj[j].u else "right"
    other = "right" if answer == "left" else "left"
    question = f"Is {_the(a)} to the left or to the right of {_the(b)}?"
    return QA("left_right", question, (answer, other), (i, j), scene)


def _ask_depth(scene: Scene, rng: random.Random) -> QA | None:
    objs = scene.objects
    pairs = [
        (i, j)
        for i in range(len(objs))
        for j in range(i + 1, len(objs))
        if abs(objs[i].z - objs[j].z) >= MIN_DEPTH_GAP_M
    ]
    if not pairs:
        return None
    i, j = rng.choice(pairs)
    if rng.random() < 0.5:
        i, j = j, i
    nearer, farther = (objs[i], objs[j]) if objs[i].z < objs[j].z else (objs[j], objs[i])
    question = f"Which object is closer to the camera, {_the(objs[i])} or {_the(objs[j])}?"
    return QA("depth", question, (nearer.name, farther.name), (i, j), scene)


def _ask_count(scene: Scene, rng: random.Random) -> QA | None:
    shape = rng.choice(SHAPES)
    count = sum(1 for o in scene.objects if o.shape == shape)
    pool = [n for n in range(0, 7) if n != count]
    distractors = rng.sample(pool, 3)
    question = f"How many {_plural(shape)} are in the image?"
    return QA("count", question, (str(count), *map(str, distractors)), (SHAPES.index(shape),),
              scene)


def _ask_size(scene: Scene, rng: random.Random) -> QA | None:
    proj = scene.projected()
    n = len(scene.objects)
    k = 3 if n >= 3 and rng.random() < 0.5 else 2
    for _ in range(20):
        picked = rng.sample(range(n), k) if n >= k else []
        if not picked:
            return None
        radii = sorted((proj[i].radius for i in picked), reverse=True)
        if radii[0] >= MIN_SIZE_RATIO * radii[1]:
            break
    else:
        return None
    largest = max(picked, key=lambda i: proj[i].radius)
    names = [_the(scene.objects[i]) for i in picked]
    listed = " or ".join(names) if k == 2 else f"{names[0]}, {names[1]} or {names[2]}"
    question = f"Which object appears larger in the image, {listed}?"
    others = [scene.objects[i].name for i in picked if i != largest]
    return QA("size", question, (scene.objects[largest].name, *others), tuple(picked), scene)


def _ask_distance(scene: Scene, rng: random.Random) -> QA | None:
    objs = scene.objects
    triples = [
        (a, b, c)
        for a in range(len(objs))
        for b in range(len(objs))
        for c in range(b + 1, len(objs))
        if a not in (b, c)
        and abs(world_distance(objs[a], objs[b]) - world_distance(objs[a], objs[c]))
        >= MIN_DISTANCE_GAP_M
    ]
    if not triples:
        return None
    a, b, c = rng.choice(triples)
    if rng.random() < 0.5:
        b, c = c, b
    near, far = (b, c) if world_distance(objs[a], objs[b]) < world_distance(objs[a], objs[c]) \
        else (c, b)
    question = (
        f"Estimate the real-world distances between objects in this image. Which object is "
        f"closer to {_the(objs[a])}, {_the(objs[b])} or {_the(objs[c])}?"
    )
    return QA("distance", question, (objs[near].name, objs[far].name), (a, b, c), scene)


def _ask_movement(scene: Scene, rng: random.Random) -> QA | None:
    order = list(range(len(scene.objects)))
    rng.shuffle(order)
    for i in order:
        obj = scene.objects[i]
        others = [project(o, scene.camera) for k, o in enumerate(scene.objects) if k != i]
        for _ in range(12):
            shift_px = rng.choice([-1, 1]) * rng.uniform(MIN_MOVE_PX, 110.0)
            new_x = round(obj.x + shift_px * obj.z / scene.camera.focal, 3)
            moved = replace(obj, x=new_x)
            if _fits(project(moved, scene.camera), others, scene.camera):
                objects = list(scene.objects)
                objects[i] = moved
                moved_scene = Scene(objects=tuple(objects), camera=scene.camera)
                answer = "right" if new_x > obj.x else "left"
                other = "left" if answer == "right" else "right"
                question = (
                    f"The first and the second image show the same scene before and after one "
                    f"object moved. Did {_the(obj)} move to the left or to the right?"
                )
                return QA("obj_movement", question, (answer, other), (i,), scene, moved_scene)
    return None


_ASKERS = {
    "left_right": _ask_left_right,
    "depth": _ask_depth,
    "count": _ask_count,
    "size": _ask_size,
    "distance": _ask_distance,
    "obj_movement": _ask_movement,
}


def ask(scene: Scene, question_type: str, rng: random.Random) -> QA | None:
    """A question of the given type about the scene, or None if the scene cannot support one."""
    if question_type not in _ASKERS:
        raise ValueError(f"unknown question_type {question_type!r}; expected {QUESTION_TYPES}")
    return _ASKERS[question_type](scene, rng)


def generate_qas(
    n: int,
    *,
    seed: int,
    question_types: tuple[str, ...] | list[str] = SINGLE_IMAGE_TYPES,
    min_objects: int = 2,
    max_objects: int = 5,
    camera: Camera | None = None,
) -> list[QA]:
    """``n`` questions cycling through ``question_types``, each on a fresh scene (seeded)."""
    rng = random.Random(seed)
    types = list(question_types)
    if not types:
        raise ValueError("question_types is empty")
    out: list[QA] = []
    attempts = 0
    while len(out) < n:
        attempts += 1
        if attempts > 50 * max(n, 1):
            raise RuntimeError(f"could not generate {n} questions of types {types}")
        question_type = types[len(out) % len(types)]
        lowest = max(min_objects, 3 if question_type in ("distance",) else 2)
        scene = sample_scene(rng, min_objects=lowest, max_objects=max(lowest, max_objects),
                             camera=camera)
        if len(scene.objects) < 2:
            continue
        qa = ask(scene, question_type, rng)
        if qa is not None:
            out.append(qa)
    logger.info("Generated %d scene questions (%d scenes drawn)", len(out), attempts)
    return out


# --------------------------------------------------------------------------------------------
# Rendering


def _shade(color: tuple[int, int, int], factor: float) -> tuple[int, int, int]:
    return tuple(max(0, min(255, round(c * factor))) for c in color)  # type: ignore[return-value]


def _draw_background(draw: ImageDraw.ImageDraw, camera: Camera) -> None:
    horizon = round(camera.horizon)
    for v in range(camera.height):
        if v < horizon:
            t = v / max(horizon, 1)
            color = (round(170 + 40 * t), round(200 + 30 * t), 235)
        else:
            t = (v - horizon) / max(camera.height - horizon, 1)
            color = (round(205 - 60 * t), round(195 - 55 * t), round(170 - 50 * t))
        draw.line([(0, v), (camera.width, v)], fill=color)


def _draw_object(draw: ImageDraw.ImageDraw, obj: SceneObject, p: Projected) -> None:
    base = COLORS[obj.color]
    r = p.radius
    u, vb = p.u, p.v_base
    shadow = [u - r * 1.05, vb - r * 0.18, u + r * 1.25, vb + r * 0.18]
    draw.ellipse(shadow, fill=(110, 100, 85))
    outline = _shade(base, 0.45)
    if obj.shape == "sphere":
        cy = vb - r
        steps = max(int(r), 4)
        for s in range(steps, 0, -1):
            rr = r * s / steps
            shift = (r - rr) * 0.35
            factor = 0.65 + 0.55 * (1 - s / steps)
            draw.ellipse([u - rr - shift, cy - rr - shift, u + rr - shift, cy + rr - shift],
                         fill=_shade(base, factor))
        draw.ellipse([u - r, cy - r, u + r, cy + r], outline=outline, width=1)
    elif obj.shape == "cube":
        depth = r * 0.35
        top = [(u - r, vb - 2 * r + depth), (u - r + depth, vb - 2 * r),
               (u + r, vb - 2 * r), (u + r - depth, vb - 2 * r + depth)]
        side = [(u + r - depth, vb - 2 * r + depth), (u + r, vb - 2 * r), (u + r, vb - depth),
                (u + r - depth, vb)]
        draw.polygon(top, fill=_shade(base, 1.25), outline=outline)
        draw.polygon(side, fill=_shade(base, 0.7), outline=outline)
        draw.rectangle([u - r, vb - 2 * r + depth, u + r - depth, vb], fill=base, outline=outline)
    elif obj.shape == "cylinder":
        e = r * 0.3
        draw.ellipse([u - r * 0.85, vb - 2 * e, u + r * 0.85, vb], fill=_shade(base, 0.8))
        draw.rectangle([u - r * 0.85, vb - 2 * r + e, u + r * 0.85, vb - e], fill=base)
        draw.line([(u - r * 0.85, vb - 2 * r + e), (u - r * 0.85, vb - e)], fill=outline)
        draw.line([(u + r * 0.85, vb - 2 * r + e), (u + r * 0.85, vb - e)], fill=outline)
        draw.ellipse([u - r * 0.85, vb - 2 * r, u + r * 0.85, vb - 2 * r + 2 * e],
                     fill=_shade(base, 1.25), outline=outline)
    elif obj.shape == "cone":
        e = r * 0.25
        draw.ellipse([u - r, vb - 2 * e, u + r, vb], fill=_shade(base, 0.75))
        draw.polygon([(u - r, vb - e), (u, vb - 2 * r), (u + r, vb - e)], fill=base,
                     outline=outline)
        draw.polygon([(u, vb - 2 * r), (u + r, vb - e), (u + r * 0.35, vb - e * 0.2)],
                     fill=_shade(base, 0.75))
    else:
        raise ValueError(f"unknown shape {obj.shape!r}")


def render_scene(scene: Scene) -> Image.Image:
    """Draw the scene: sky, ground, then objects from the farthest to the nearest."""
    camera = scene.camera
    image = Image.new("RGB", (camera.width, camera.height))
    draw = ImageDraw.Draw(image)
    _draw_background(draw, camera)
    for obj in sorted(scene.objects, key=lambda o: -o.z):
        _draw_object(draw, obj, project(obj, camera))
    return image


def render_qa(qa: QA) -> list[Image.Image]:
    """The image(s) a question is asked about (two for before/after questions)."""
    images = [render_scene(qa.scene)]
    if qa.moved_scene is not None:
        images.append(render_scene(qa.moved_scene))
    return images
