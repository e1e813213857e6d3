"""The gazetteer (agent/data/places.toml, agent/places.py): the shipped file loads against
scene.toml's settings and knows the famous places by their English and Chinese names; the
English search finds whole names, longest first; a broken file names file, entry and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from errors import DataFileError
from agent.places import Gazetteer, Place, load_gazetteer
from agent.vocabulary import load_vocabulary

NEW_SETTINGS = {"waterfall", "city-skyline", "island", "train-station", "city-square",
                "old-town", "village", "bridge", "tower", "grassland", "karst", "cathedral"}

CHINA = {
    "黄河": "the Yellow River", "长江": "the Yangtze River", "壶口瀑布": "the Hukou Waterfall",
    "壶口": "the Hukou Waterfall", "黄山": "Huangshan", "泰山": "Mount Tai", "西湖": "West Lake",
    "故宫": "the Forbidden City", "紫禁城": "the Forbidden City", "长城": "the Great Wall",
    "外滩": "the Bund", "东方明珠": "the Oriental Pearl Tower", "布达拉宫": "the Potala Palace",
    "九寨沟": "Jiuzhaigou", "张家界": "Zhangjiajie", "漓江": "the Li River", "桂林": "Guilin",
    "鼓浪屿": "Gulangyu", "天安门广场": "Tiananmen Square", "兵马俑": "the Terracotta Army",
    "乐山大佛": "the Leshan Giant Buddha", "洱海": "Erhai Lake", "青海湖": "Qinghai Lake",
    "稻城亚丁": "Daocheng Yading", "呼伦贝尔草原": "the Hulunbuir Grassland",
    "鸣沙山": "the Mingsha Dunes", "鸣沙山月牙泉": "the Crescent Moon Spring",
    "月牙泉": "the Crescent Moon Spring", "三峡": "the Three Gorges of the Yangtze",
    "维多利亚港": "Victoria Harbour", "日月潭": "Sun Moon Lake", "北京": "Beijing",
    "上海": "Shanghai", "广州": "Guangzhou", "深圳": "Shenzhen", "重庆": "Chongqing",
    "成都": "Chengdu", "西安": "Xi'an", "杭州": "Hangzhou", "苏州": "Suzhou", "南京": "Nanjing",
    "武汉": "Wuhan", "长沙": "Changsha", "哈尔滨": "Harbin", "拉萨": "Lhasa", "厦门": "Xiamen",
    "青岛": "Qingdao", "大理": "Dali", "丽江": "Lijiang", "香港": "Hong Kong", "澳门": "Macau",
    "台北": "Taipei", "珠穆朗玛峰": "Mount Everest", "黄果树瀑布": "the Huangguoshu Waterfall",
}
WORLD = {
    "威尼斯": "Venice", "巴黎": "Paris", "埃菲尔铁塔": "the Eiffel Tower", "东京": "Tokyo",
    "富士山": "Mount Fuji", "京都": "Kyoto", "圣托里尼": "Santorini", "撒哈拉沙漠": "the Sahara",
    "科罗拉多大峡谷": "the Grand Canyon", "时代广场": "Times Square",
    "金门大桥": "the Golden Gate Bridge", "尼亚加拉瀑布": "Niagara Falls",
    "阿尔卑斯山": "the Alps", "冰岛": "Iceland", "亚马逊雨林": "the Amazon",
    "马丘比丘": "Machu Picchu", "泰姬陵": "the Taj Mahal", "大堡礁": "the Great Barrier Reef",
    "南极洲": "Antarctica", "伦敦": "London", "罗马": "Rome", "纽约": "New York",
    "自由女神像": "the Statue of Liberty", "悉尼歌剧院": "the Sydney Opera House",
    "吴哥窟": "Angkor Wat", "下龙湾": "Ha Long Bay", "尼斯": "Nice",
}


@pytest.fixture(scope="module")
def setting_ids() -> set[str]:
    return {e.id for e in load_vocabulary().entries["setting"]}


@pytest.fixture(scope="module")
def gazetteer(setting_ids) -> Gazetteer:
    return load_gazetteer(setting_ids=setting_ids)


def names(gazetteer: Gazetteer, text: str) -> list[tuple[str, str]]:
    """(place.en, the text it was found as) for each match, in order."""
    return [(m.place.en, text[m.start:m.end]) for m in gazetteer.find_english(text)]


# --- the shipped file ------------------------------------------------------------------------

def test_the_shipped_file_loads_against_scene_settings(gazetteer, setting_ids):
    assert len(gazetteer) >= 330
    assert NEW_SETTINGS <= setting_ids
    used = {p.setting for p in gazetteer.places}
    assert used <= setting_ids and NEW_SETTINGS <= used
    assert len(gazetteer.chinese_names()) == len(set(gazetteer.chinese_names()))
    assert len(gazetteer.chinese_names()) > len(gazetteer)


@pytest.mark.parametrize("table", [CHINA, WORLD], ids=["china", "world"])
def test_well_known_places_have_their_chinese_names(gazetteer, table):
    found = {zh: (gazetteer.chinese(zh).en if gazetteer.chinese(zh) else None) for zh in table}
    assert found == table


def test_places_look_like_what_they_are(gazetteer):
    setting = {zh: gazetteer.chinese(zh).setting for zh in
               ("壶口瀑布", "黄河", "西湖", "黄山", "威尼斯", "上海", "鼓浪屿", "呼伦贝尔草原",
                "埃菲尔铁塔", "金门大桥", "天安门广场", "桂林", "撒哈拉沙漠", "大堡礁")}
    assert setting == {"壶口瀑布": "waterfall", "黄河": "river", "西湖": "lake",
                       "黄山": "mountains", "威尼斯": "old-town", "上海": "city-skyline",
                       "鼓浪屿": "island", "呼伦贝尔草原": "grassland", "埃菲尔铁塔": "tower",
                       "金门大桥": "bridge", "天安门广场": "city-square", "桂林": "karst",
                       "撒哈拉沙漠": "desert", "大堡礁": "underwater"}


def test_chinese_lookup_is_exact(gazetteer):
    assert gazetteer.chinese("黄河壶口瀑布") is None
    assert gazetteer.chinese("河") is None
    assert gazetteer.chinese("Venice") is None
    assert "壶口瀑布" in gazetteer.chinese_names() and "威尼斯" in gazetteer.chinese_names()
    assert all(len(name) >= 2 for name in gazetteer.chinese_names())


def test_bare_drops_only_a_leading_the():
    place = Place(en="the Hukou Waterfall", zh=("壶口瀑布",), setting="waterfall")
    assert place.bare == "Hukou Waterfall"
    assert Place(en="Venice", zh=("威尼斯",), setting="old-town").bare == "Venice"
    assert Place(en="Thessaloniki", zh=("塞萨洛尼基",), setting="harbor").bare == "Thessaloniki"


# --- finding places in English ---------------------------------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("a cat sleeping on a windowsill in Venice", [("Venice", "Venice")]),
    ("a cat sleeping in venice", [("Venice", "venice")]),
    ("fireworks over the great wall", [("the Great Wall", "the great wall")]),
    ("Great Wall at dawn", [("the Great Wall", "Great Wall")]),
    ("THE YELLOW RIVER in flood", [("the Yellow River", "THE YELLOW RIVER")]),
    ("rafting down the Yellow River", [("the Yellow River", "the Yellow River")]),
    ("a drone over hukou falls", [("the Hukou Waterfall", "hukou falls")]),
    ("old Peking in winter", [("Beijing", "Peking")]),
    ("Mt. Fuji and mt fuji", [("Mount Fuji", "Mt. Fuji"), ("Mount Fuji", "mt fuji")]),
    ("St. Mark's Square at noon", [("St Mark's Square", "St. Mark's Square")]),
    ("Xi’an city wall", [("the Xi'an City Wall", "Xi’an city wall")]),
    ("notre dame at night", [("Notre-Dame Cathedral", "notre dame")]),
    ("a tram in Zürich", [("Zurich", "Zürich")]),
    ("a tram in zurich", [("Zurich", "zurich")]),
    ("一只猫在Venice睡觉", [("Venice", "Venice")]),
    ("from Paris to Tokyo", [("Paris", "Paris"), ("Tokyo", "Tokyo")]),
])
def test_find_english(gazetteer, text, expected):
    assert names(gazetteer, text) == expected


@pytest.mark.parametrize("text", [
    "a Parisian cafe", "Romeo under a balcony", "a venetian mask", "the great walls of a fort",
    "a lake at dawn", "a river in the mountains", "a cat on a sofa", "",
])
def test_only_whole_names_are_found(gazetteer, text):
    assert names(gazetteer, text) == []


@pytest.mark.parametrize("text,expected", [
    ("sunset over West Lake", [("West Lake", "West Lake")]),
    ("crowds in Tiananmen Square", [("Tiananmen Square", "Tiananmen Square")]),
    ("a boat on the Amazon River", [("the Amazon River", "the Amazon River")]),
    ("deep in the Amazon", [("the Amazon", "the Amazon")]),
    ("a sailboat on Lake Geneva", [("Lake Geneva", "Lake Geneva")]),
    ("taxis in New York City", [("New York", "New York City")]),
    ("shops on Nanjing Road", [("Nanjing Road", "Nanjing Road")]),
    ("driving the Hong Kong-Zhuhai-Macau Bridge",
     [("the Hong Kong–Zhuhai–Macau Bridge", "the Hong Kong-Zhuhai-Macau Bridge")]),
])
def test_the_longest_name_wins(gazetteer, text, expected):
    assert names(gazetteer, text) == expected


@pytest.mark.parametrize("text,expected", [
    ("a nice day at the beach", []),
    ("a sunny day in Nice", [("Nice", "Nice")]),
    ("a hot bath with bubbles", []),
    ("Roman baths in Bath", [("Bath", "Bath")]),
    ("a red square on a white wall", []),
    ("snow falling on Red Square", [("Red Square", "Red Square")]),
    ("a white house by the sea", []),
    ("the White House at dusk", [("the White House", "the White House")]),
    ("a bird's nest in a tree", []),
    ("split the log in two", []),
    ("harbour walls of Split", [("Split", "Split")]),
])
def test_cased_names_match_only_as_capitalised(gazetteer, text, expected):
    assert names(gazetteer, text) == expected


def test_overlapping_names_keep_the_longest_wherever_it_starts(tmp_path):
    path = write(tmp_path, place("Alpha Beta", "甲乙") + place("the Beta Gamma Delta", "乙丙丁")
                 + place("Delta", "丁丁"))
    gazetteer = load_gazetteer(path)
    text = "from Alpha Beta Gamma Delta on"
    assert names(gazetteer, text) == [("the Beta Gamma Delta", "Beta Gamma Delta")]
    assert names(gazetteer, "Alpha Beta and the beta gamma delta, then Delta") == [
        ("Alpha Beta", "Alpha Beta"), ("the Beta Gamma Delta", "the beta gamma delta"),
        ("Delta", "Delta")]


# --- a broken file ---------------------------------------------------------------------------

def place(en: str, zh: str, setting: str = "lake", extra: str = "") -> str:
    return f'[[place]]\nen = "{en}"\nzh = ["{zh}"]\nsetting = "{setting}"\n{extra}\n'


def write(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "agent" / "data"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "places.toml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = place("West Lake", "西湖")


@pytest.mark.parametrize("text,message", [
    (GOOD + place("Venice", "威尼斯", extra='sea = "yes"'),
     "[[place]] 'Venice': field 'sea': unknown field"),
    (GOOD + '[[place]]\nzh = ["威尼斯"]\nsetting = "lake"\n',
     "[[place]] #2: field 'en': is missing"),
    (GOOD + '[[place]]\nen = "Venice"\nsetting = "lake"\n',
     "[[place]] 'Venice': field 'zh': is missing"),
    (GOOD + '[[place]]\nen = "Venice"\nzh = ["威尼斯"]\n',
     "[[place]] 'Venice': field 'setting': is missing"),
    (GOOD + place("Venice", "Venezia"),
     "[[place]] 'Venice': field 'zh[1]': 'Venezia' is not a Chinese name"),
    (GOOD + place("the Yellow River", "河"),
     "[[place]] 'the Yellow River': field 'zh[1]': '河' is not a Chinese name of two "
     "or more"),
    (GOOD + place("Venice", "威尼斯2"), "field 'zh[1]': '威尼斯2'"),
    (GOOD + '[[place]]\nen = "Venice"\nzh = "威尼斯"\nsetting = "lake"\n',
     "[[place]] 'Venice': field 'zh': must be a list, got '威尼斯'"),
    (GOOD + '[[place]]\nen = "Venice"\nzh = []\nsetting = "lake"\n',
     "[[place]] 'Venice': field 'zh': must not be empty"),
    (GOOD + place("Venice", "威尼斯", extra='aka = "venezia"'),
     "[[place]] 'Venice': field 'aka': must be a list"),
    (GOOD + place("Nice", "尼斯", extra='cased = "yes"'),
     "[[place]] 'Nice': field 'cased': must be true or false, got 'yes'"),
    (GOOD + place("Hangzhou Lake", "西湖"),
     "[[place]] 'Hangzhou Lake': field 'zh': the Chinese name '西湖' is also a name of "
     "'West Lake'"),
    (GOOD + place("the West Lake", "杭州西湖"),
     "[[place]] 'the West Lake': field 'en': the English name 'the West Lake' is also a "
     "name of 'West Lake'"),
    (GOOD + place("Hangzhou Lake", "杭州西湖", extra='aka = ["west  lake"]'),
     "[[place]] 'Hangzhou Lake': field 'aka': the English name 'west  lake' is also a "
     "name of 'West Lake'"),
    (GOOD + place("West Lake", "杭州西湖"), "the English name 'West Lake' is also a name of"),
    ('[[places]]\nen = "x"\n', "field 'places': unknown field (did you mean 'place'?)"),
    ("# nothing here\n", "needs at least one [[place]] entry"),
    ("[[place]\nen = 1\n", "not valid TOML"),
])
def test_a_broken_file_names_file_entry_and_key(tmp_path, text, message):
    with pytest.raises(DataFileError) as info:
        load_gazetteer(write(tmp_path, text))
    assert message in str(info.value)
    assert "agent/data/places.toml" in str(info.value)


def test_an_unknown_setting_is_reported_only_when_settings_are_given(tmp_path, setting_ids):
    path = write(tmp_path, GOOD + place("Venice", "威尼斯", setting="canals"))
    assert len(load_gazetteer(path)) == 2
    with pytest.raises(DataFileError) as info:
        load_gazetteer(path, setting_ids)
    assert ("agent/data/places.toml: [[place]] 'Venice': field 'setting': names unknown "
            "setting 'canals'") in str(info.value)


def test_a_missing_file_is_reported(tmp_path):
    with pytest.raises(DataFileError, match="places.toml: file is missing"):
        load_gazetteer(tmp_path / "agent" / "data" / "places.toml")
