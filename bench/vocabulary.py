"""Product names and descriptions for the bench's million products, from word lists with Zipf-like frequencies.

A storefront search is only meaningful on text like a shop's: a few brands and nouns are common, most
words are rare. Names are `<Brand> [adjective] [material or colour] <noun> <model>` ("Kivuli Compact
Steel Kettle KV-204"); descriptions are 8-16 words drawn from all the lists, weighted 1/rank (Zipf's
law, s = 1), so the first words of each list are in many products and the last ones in few.
`SEARCH_HIT` is a common noun (in a few percent of the names, more of the descriptions): the scale
table's "search that matches many products".

`random.choices` with cumulative weights draws from C, so a million names and descriptions take
a few seconds.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from itertools import accumulate

BRANDS = (
    "kivuli zentro amani baraka duma simba tembo jabali nyota pwani mawingu safari kilele upepo "
    "mvua jua zuri imara haraka tulivu bahari milima ziwa kito lulu almasi fahari neema rafiki "
    "shujaa tai chui kifaru twiga nyati pundamilia kasuku korongo mbuni"
).split()
ADJECTIVES = (
    "wireless compact portable classic smart digital premium deluxe mini large electric ergonomic "
    "waterproof foldable rechargeable adjustable lightweight heavy durable slim quiet fast organic "
    "handmade vintage modern rustic professional outdoor indoor travel kids family magnetic "
    "cordless solar insulated reusable stackable universal heated cooling"
).split()
MATERIALS = (
    "steel cotton leather wooden bamboo glass ceramic plastic aluminium silver golden black white "
    "red blue green grey brown linen wool silk copper marble granite"
).split()
NOUNS = (
    "bottle lamp kettle chair speaker blender charger jacket backpack headphones mug table sofa "
    "blanket pillow rug curtain shelf mirror clock watch bracelet necklace ring wallet belt shoes "
    "sandals boots hat scarf gloves socks shirt dress skirt trousers shorts sweater hoodie cap "
    "umbrella tent stove cooler grill pan pot knife fork spoon plate bowl cup glass jar basket "
    "bucket broom mop vacuum iron fan heater cable router keyboard mouse monitor laptop tablet "
    "phone camera tripod drone printer scanner projector microphone radio television console "
    "controller battery torch helmet bicycle scooter skateboard ball racket bat net mat dumbbell "
    "kettlebell rope whistle notebook pen pencil marker eraser ruler stapler folder envelope "
    "calendar diary puzzle doll robot train truck kite crayon paint brush canvas easel frame"
).split()
FEATURES = (
    "with for and the of in durable easy clean design quality everyday use home office garden "
    "kitchen bathroom bedroom gift friendly warranty included battery life long lasting soft "
    "strong light comfortable stylish elegant simple safe secure energy saving water resistant "
    "dust proof scratch resistant non slip washable dishwasher microwave oven safe certified "
    "tested imported local genuine original authentic new improved edition series model version "
    "pack set pair piece size colour finish texture grip handle base lid cover case bag box "
    "storage capacity power speed performance noise range signal display screen sound bass "
    "volume control button switch remote timer sensor charge plug port adapter"
).split()
SEARCH_HIT = NOUNS[2]  # "kettle": the third noun, in about 5 % of the names


def _weights(count: int) -> list[float]:
    return list(accumulate(1 / rank for rank in range(1, count + 1)))


def namer(rng: random.Random) -> Callable[[], str]:
    brand_w, adjective_w, material_w, noun_w = (_weights(len(x)) for x in (BRANDS, ADJECTIVES, MATERIALS, NOUNS))
    choices, random_, randint = rng.choices, rng.random, rng.randint

    def name() -> str:
        parts = [choices(BRANDS, cum_weights=brand_w)[0].capitalize()]
        if random_() < 0.6:
            parts.append(choices(ADJECTIVES, cum_weights=adjective_w)[0].capitalize())
        if random_() < 0.4:
            parts.append(choices(MATERIALS, cum_weights=material_w)[0].capitalize())
        parts.append(choices(NOUNS, cum_weights=noun_w)[0].capitalize())
        parts.append(f"{parts[0][:2].upper()}-{randint(100, 999)}")
        return " ".join(parts)

    return name


def describer(rng: random.Random) -> Callable[[], str]:
    words = FEATURES + ADJECTIVES + MATERIALS + NOUNS
    weights = _weights(len(words))
    choices, randint = rng.choices, rng.randint

    def description() -> str:
        text = " ".join(choices(words, cum_weights=weights, k=randint(8, 16)))
        return text[0].upper() + text[1:] + "."

    return description
