"""Occasions and feelings: "a wedding video for my sister", "新年快乐" or "想家了" become a
concrete English scene with what was assumed; concrete ideas that merely mention an occasion
are left alone; a broken occasions.toml is reported by file, entry and key."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from errors import DataFileError
from agent.glossary import has_cjk
from agent.moods import MOODS
from agent.occasions import Scene, load_occasions, read_occasion
from agent.vocabulary import DATA_DIR

REQUEST_WORDS = ("video for", "video", "祝福", "视频", "给", "make", "something")


@pytest.fixture(scope="module")
def table():
    return load_occasions()


def scene_of(text: str, table) -> Scene:
    scene = read_occasion(text, table)
    assert scene is not None, text
    for part in (scene.subject, scene.action, scene.place, *scene.details):
        assert part.strip() and not has_cjk(part), (text, part)
        assert "{" not in part and "}" not in part, (text, part)
    for part in (scene.subject, scene.action, scene.place):
        assert not any(w in part.lower() for w in REQUEST_WORDS), (text, part)
    assert scene.action.split()[0].endswith("ing")
    assert scene.mood in MOODS
    assert scene.assumed_en.startswith(("A ", "An "))
    assert not has_cjk(scene.assumed_en.split(":")[1])
    assert f"{scene.subject} {scene.action} {scene.place}." in scene.assumed_en
    assert has_cjk(scene.assumed_zh) and "我设想了" in scene.assumed_zh
    assert scene.assumed_zh.endswith("的场景。") and "{" not in scene.assumed_zh
    return scene


def test_the_table_is_big_enough(table):
    kinds = [e.kind for e in table.entries]
    assert kinds.count("occasion") >= 20 and kinds.count("feeling") >= 20
    assert len(table.relations) >= 30
    ids = {e.id for e in table.entries}
    assert {"wedding", "engagement", "anniversary", "birthday", "birthday_child",
            "birthday_elder", "graduation", "christmas", "spring_festival", "new_years_eve",
            "mid_autumn", "dragon_boat", "lantern_festival", "valentines", "qixi",
            "mothers_day", "fathers_day", "teachers_day", "first_steps", "newborn",
            "retirement", "farewell", "welcome_home", "halloween", "holiday_greeting",
            "pet_birthday", "housewarming", "annual_party", "new_year_business", "full_month",
            "childrens_day", "national_day", "grand_opening"} <= ids
    assert {"homesick", "childhood", "summer", "loneliness", "freedom", "hope", "healing",
            "first_love", "heartbreak", "youth", "friendship", "gratitude",
            "growing_old_together", "missing_someone", "adventure", "relaxation", "joy",
            "dreams", "rainy_melancholy", "winter_cozy", "city_night", "autumn_sadness",
            "new_beginnings", "everyday_peace", "insomnia", "anxiety", "lazy_sunday", "love",
            "spring"} <= ids
    for key in ("sister", "姐姐", "妹妹", "mom", "妈妈", "母亲", "dad", "爸爸", "grandma", "奶奶",
                "外婆", "姥姥", "grandpa", "爷爷", "外公", "姥爷", "wife", "老婆", "husband", "老公",
                "girlfriend", "女朋友", "boyfriend", "daughter", "女儿", "son", "儿子", "baby",
                "宝宝", "friend", "朋友", "闺蜜", "兄弟", "teacher", "老师", "best friend",
                "parents", "父母", "family", "家人", "classmates", "同学", "colleagues", "同事",
                "dog", "狗狗", "cat", "clients", "客户", "customers", "顾客", "colleague", "同事们",
                "team", "团队", "students", "学生", "kids at school", "孩子们", "class", "同学们",
                "boss", "老板", "领导", "teacher", "老婆", "老公", "宝宝", "company", "公司"):
        assert key in table.relations, key
    assert len({t.id for t in table.tones.values()}) >= 6


SCENES = [
    ("a wedding video for my sister", "occasion", "wedding", "my sister"),
    ("my parents' 30th anniversary", "occasion", "anniversary", "my parents"),
    ("make something for graduation", "occasion", "graduation", ""),
    ("I miss my grandma", "feeling", "missing_someone", "my grandma"),
    ("the feeling of summer holidays as a kid", "feeling", "summer", ""),
    ("Merry Christmas to my family!", "occasion", "christmas", "my family"),
    ("a birthday video for my daughter", "occasion", "birthday_child", "my daughter"),
    ("happy anniversary", "occasion", "anniversary", ""),
    ("my dog's birthday", "occasion", "pet_birthday", "my dog"),
    ("a farewell video for my colleagues", "occasion", "farewell", "my colleagues"),
    ("something about loneliness", "feeling", "loneliness", ""),
    ("I want a video about freedom", "feeling", "freedom", ""),
    ("给妈妈的生日祝福视频", "occasion", "birthday", "妈妈"),
    ("新年快乐", "occasion", "spring_festival", ""),
    ("想家了", "feeling", "homesick", ""),
    ("孤独的感觉", "feeling", "loneliness", ""),
    ("中秋节快乐", "occasion", "mid_autumn", ""),
    ("端午安康", "occasion", "dragon_boat", ""),
    ("奶奶八十大寿", "occasion", "birthday_elder", "奶奶"),
    ("给我女朋友做一个七夕的视频", "occasion", "qixi", "女朋友"),
    ("我想做一个关于童年的视频", "feeling", "childhood", ""),
    ("想念外婆", "feeling", "missing_someone", "外婆"),
    ("爷爷奶奶结婚五十周年", "occasion", "anniversary", "爷爷奶奶"),
    ("节日祝福", "occasion", "holiday_greeting", ""),
    ("毕业快乐", "occasion", "graduation", ""),
]




@pytest.mark.parametrize("text,subject", [
    ("a wedding video for my sister", "a bride in a white wedding dress"),
    ("my brother's wedding", "a groom in a dark tailored suit"),
    ("a birthday video for my mom", "a mother wearing a paper party hat"),
    ("给奶奶的生日视频", "a grandmother surrounded by family"),
    ("my parents' 30th anniversary", "an older couple"),
    ("I miss my grandma", "a faded photograph of a grandmother"),
    ("我儿子三周岁生日", "a little boy in a paper crown"),
    ("a birthday video for Lily", "Lily wearing a paper party hat"),
    ("生日快乐", "a smiling young woman wearing a paper party hat"),
])
def test_the_person_goes_into_the_subject(table, text, subject):
    assert scene_of(text, table).subject == subject


def test_what_was_assumed_is_said_in_both_languages(table):
    scene = scene_of("a wedding video for my sister", table)
    assert scene.assumed_en == ("A wedding video for your sister: I pictured a bride in a white "
                                "wedding dress walking down a flower-lined aisle in a sunlit "
                                "garden chapel.")
    assert scene.assumed_zh == "给姐姐的婚礼视频：我设想了姐姐走过鲜花小道的场景。"
    assert scene_of("想家了", table).assumed_zh.startswith("关于乡愁的视频：")
    assert scene_of("给爸爸的退休视频", table).assumed_en.startswith(
        "A retirement video for your dad:")


@pytest.mark.parametrize("text,detail,title", [
    ("my parents' 30th anniversary", "a banner celebrating their 30th anniversary",
     "A 30th anniversary video"),
    ("我们结婚十周年", "a banner celebrating their 10th anniversary", "A 10th anniversary video"),
    ("奶奶八十大寿", "a cake topped with a number 80 candle", "An 80th birthday video"),
    ("my son's first birthday", "a number 1 candle on top of the cake", "A first birthday"),
])
def test_numbers_are_kept(table, text, detail, title):
    scene = scene_of(text, table)
    assert scene.details[0] == detail and scene.assumed_en.startswith(title)


def test_a_chinese_name_keeps_the_default_picture_and_is_mentioned(table):
    for text in ("给小明的生日视频", "小明生日快乐", "生日快乐，小明"):
        scene = scene_of(text, table)
        assert scene.person == "小明" and scene.subject.startswith("a smiling young woman")
        assert "小明" in scene.assumed_en and "小明" in scene.assumed_zh
    assert scene_of("教师节快乐，王老师", table).subject == "a kind teacher with reading glasses"


def test_a_latin_name_is_kept_as_written(table):
    for text in ("a birthday video for Lily", "Lily's wedding", "Happy birthday, Lily!"):
        scene = scene_of(text, table)
        assert scene.person == "Lily" and scene.subject.startswith("Lily")


def test_an_occasion_wins_over_a_feeling_and_the_last_occasion_is_the_head(table):
    assert scene_of("happy halloween", table).id == "halloween"
    assert scene_of("新年快乐，妈妈", table).id == "spring_festival"
    assert scene_of("爷爷奶奶结婚五十周年", table).id == "anniversary"


CONCRETE = [
    "a birthday cake with candles on a table",
    "a bride and groom dancing at a wedding",
    "a lonely wolf howling at the moon",
    "a cat sleeping on a windowsill",
    "a wedding in Paris",
    "fireworks exploding over a harbor on new year's eve",
    "a family eating dumplings at chinese new year",
    "a graduate throwing her cap in the air",
    "a happy dog running on a beach",
    "Christmas lights on a house",
    "Birthday Cake",
    "一只猫在窗台上睡觉",
    "新娘和新郎在婚礼上跳舞",
    "生日蛋糕上插着蜡烛",
    "春节时一家人围坐在桌边包饺子",
    "中秋节的夜晚一轮圆月挂在湖面上",
    "孩子们在圣诞树下拆礼物",
    "一个女孩在雨中孤独地走着",
    "七夕节两个人在桥上看星星",
    "老人在公园里一个人下棋",
    "",
]


@pytest.mark.parametrize("text", CONCRETE)
def test_a_concrete_idea_is_left_alone(table, text):
    assert read_occasion(text, table) is None


def test_every_match_phrase_alone_is_read(table):
    for entry in table.entries:
        for phrase in entry.match_en + entry.match_zh:
            scene = scene_of(phrase, table)
            assert scene.id == entry.id or entry.ages, (entry.id, phrase, scene.id)


def test_reading_is_fast(table):
    texts = [t for t, *_ in SCENES] + CONCRETE
    start = time.perf_counter()
    for _ in range(20):
        for text in texts:
            read_occasion(text, table)
    assert (time.perf_counter() - start) / (20 * len(texts)) < 0.001


@pytest.fixture
def broken(tmp_path) -> Path:
    path = tmp_path / "agent" / "data" / "occasions.toml"
    path.parent.mkdir(parents=True)
    shutil.copy(DATA_DIR / "occasions.toml", path)
    return path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize("old,new,message", [
    ('id = "wedding"\n', 'id = "wedding"\ncolour = "white"\n',
     "[[occasion]] 'wedding': field 'colour': unknown field"),
    ('mood = "romantic"\nscene_zh = "{person}走过', 'mood = "sad"\nscene_zh = "{person}走过',
     "[[occasion]] 'wedding': field 'mood': must be one of"),
    ('subject = "{person} in wedding clothes"', 'subject = "a couple in wedding clothes"',
     "[[occasion]] 'wedding': field 'subject': must hold {person}, since 'person_default' is "
     "given"),
    ('person_default = "a bride and groom"\n', '',
     "[[occasion]] 'wedding': field 'person_default': is needed"),
    ('match_zh = ["婚礼",', 'match_zh = ["wedding",',
     "'wedding': field 'match_zh[1]': must hold Chinese words"),
    ('match_zh = ["婚礼",', 'match_zh = ["婚",', "'wedding': field 'match_zh[1]'"),
    ('match_en = ["wedding",', 'match_en = ["Wedding",', "'wedding': field 'match_en[1]'"),
    ('action = "walking down a flower-lined aisle"', 'action = "walks down an aisle"',
     "'wedding': field 'action': must start with an -ing word"),
    ('place = "in a sunlit garden chapel"', 'place = "在花园里"',
     "'wedding': field 'place': must be English"),
    ('subject_female = "a bride in a white wedding dress"',
     'subject_female = "{name} in a white wedding dress"',
     "'wedding': field 'subject_female': unknown placeholder '{name}'"),
    ('person_default_zh = "一对新人"\n', '', "'wedding': field 'person_default_zh': is needed"),
    ('details = ["petals drifting through the air",',
     'details = ["a", "b", "c", "d", "petals drifting through the air",',
     "'wedding': field 'details': must hold at most 4"),
    ('ages = ["elder"]', 'ages = ["ancient"]', "'birthday_elder': field 'ages[1]'"),
    ('id = "engagement"', 'id = "wedding"', "[[occasion]] 'wedding': field 'id': is used by an earlier entry too"),
    ('match_en = ["engagement",', 'match_en = ["wedding", "engagement",',
     "[[occasion]] 'engagement': field 'match_en': the phrase 'wedding' is also in 'wedding'"),
    ('zh = "婚礼"\n', 'zh = "wedding"\n', "[[occasion]] 'wedding': field 'zh': must be Chinese"),
    ('sister = { en = "a young woman", gender = "female"',
     'sister = { en = "a young woman", gender = "woman"', "[relations] 'sister': field 'gender': must be one of"),
    ('"姐姐" = { en = "a young woman", gender = "female", age = "adult", say = "your sister" }',
     '"姐姐" = { en = "a young woman", gender = "female", age = "adult", say = "姐姐" }',
     "[relations] '姐姐': field 'say': must be in the other language"),
    ('sister = {', 'Sister = {', "[relations] 'Sister': an English key must be lower-case"),
    ('name_after_en =', 'names_after_en =', "[filler]: field 'names_after_en': unknown field"),
    ('[[feeling]]\nid = "homesick"', '[[feelings]]\nid = "homesick"',
     "field 'feelings': unknown field (did you mean 'feeling'?)"),
])
def test_a_broken_file_is_reported_by_entry_and_key(broken, old, new, message):
    edit(broken, old, new)
    with pytest.raises(DataFileError) as error:
        load_occasions(broken)
    assert "agent/data/occasions.toml" in str(error.value) and message in str(error.value)


def test_a_file_that_is_not_toml_is_reported(broken):
    broken.write_text("[[occasion]\nid = ", encoding="utf-8")
    with pytest.raises(DataFileError, match="occasions.toml"):
        load_occasions(broken)


def words_of(scene: Scene) -> str:
    return " ".join((scene.subject, scene.action, scene.place, *scene.details))


def test_every_scene_names_its_occasion_or_feeling(table):
    """The video model is told what the scene is for: every entry's scene, with or without a
    person, carries one of its key_en words."""
    people = [None, "my sister", "my brother", "my friends", "my grandma", "my son", "my dog"]
    for entry in table.entries:
        assert entry.key_en, entry.id
        phrase = (entry.match_en or entry.match_zh)[0]
        for who in people:
            scene = read_occasion(f"{phrase} for {who}" if who else phrase, table)
            if scene is None or scene.id != entry.id:
                continue
            assert any(w.lower() in words_of(scene).lower() for w in entry.key_en), (
                entry.id, who, words_of(scene))


@pytest.mark.parametrize("text,words", [
    ("新年快乐", ["Spring Festival", "Chinese New Year"]),
    ("过年", ["Spring Festival", "Chinese New Year"]),
    ("happy new year", ["New Year"]),
    ("跨年夜", ["New Year", "countdown"]),
    ("中秋节快乐", ["Mid-Autumn", "moon"]),
    ("the feeling of summer holidays as a kid", ["summer"]),
    ("a birthday video for my mom", ["birthday"]),
    ("happy anniversary", ["anniversary"]),
    ("毕业快乐", ["graduation", "cap and gown"]),
    ("给同学们的毕业视频", ["graduation", "caps and gowns"]),
    ("Merry Christmas to my family!", ["Christmas"]),
    ("满月酒", ["celebration", "family", "red", "cake"]),
    ("宝宝满月", ["celebration", "red", "cake"]),
    ("想家了", ["home"]),
    ("龙舟比赛", ["dragon boat", "race"]),
    ("公司年会开场视频", ["annual", "gala", "stage"]),
])
def test_the_scene_says_what_it_is_for(table, text, words):
    said = words_of(scene_of(text, table))
    for word in words:
        assert word.lower() in said.lower(), (text, word, said)


NEW_SCENES = [
    ("公司年会开场视频", "occasion", "annual_party", ""),
    ("annual party opening", "occasion", "annual_party", ""),
    ("a year-end gala video for our team", "occasion", "annual_party", "our team"),
    ("跨年", "occasion", "new_years_eve", ""),
    ("毕业季，和同学们的最后一天", "occasion", "graduation", "同学们"),
    ("last day with classmates", "occasion", "graduation", "classmates"),
    ("结婚纪念日给老婆一个惊喜", "occasion", "anniversary", "老婆"),
    ("满月酒", "occasion", "full_month", ""),
    ("龙舟比赛", "occasion", "dragon_boat", ""),
    ("给孩子们的儿童节视频", "occasion", "childrens_day", "孩子们"),
    ("给客户的新年祝福视频", "occasion", "new_year_business", "客户"),
    ("a new year greeting for our clients", "occasion", "new_year_business", "our clients"),
    ("happy new year to my colleagues", "occasion", "new_year_business", "my colleagues"),
    ("a graduation video for the kids at school", "occasion", "graduation", "kids at school"),
    ("分手后的失落", "feeling", "heartbreak", ""),
    ("失恋", "feeling", "heartbreak", ""),
    ("失眠的夜晚", "feeling", "insomnia", ""),
    ("a sleepless night", "feeling", "insomnia", ""),
    ("岁月静好", "feeling", "everyday_peace", ""),
    ("anxiety before an exam", "feeling", "anxiety", ""),
    ("考前焦虑", "feeling", "anxiety", ""),
    ("a lazy Sunday morning", "feeling", "lazy_sunday", ""),
    ("想家了", "feeling", "homesick", ""),
    ("missing someone", "feeling", "missing_someone", ""),
    ("我想念我的老师", "feeling", "missing_someone", "老师"),
    ("make it warm, a birthday video for my mom", "occasion", "birthday", "my mom"),
    ("温馨一点的生日视频", "occasion", "birthday", ""),
    ("搞笑一点的生日视频", "occasion", "birthday", ""),
    ("an emotional wedding video", "occasion", "wedding", ""),
    ("感人的毕业视频", "occasion", "graduation", ""),
    ("春节回家", "occasion", "welcome_home", ""),
]


@pytest.mark.parametrize("text,kind,entry,person", SCENES + NEW_SCENES)
def test_an_occasion_or_feeling_becomes_a_scene(table, text, kind, entry, person):
    scene = scene_of(text, table)
    assert (scene.kind, scene.id, scene.person) == (kind, entry, person)




def test_homesickness_shows_a_person(table):
    scene = scene_of("想家了", table)
    assert any(w in scene.subject for w in ("woman", "man", "traveller", "person"))
    assert "photo" in scene.action or "window" in scene.place


@pytest.mark.parametrize("text,subject", [
    ("给同学们的毕业视频", "a group of classmates in caps and gowns"),
    ("我女儿毕业了", "a little girl in a cap and gown"),
    ("给客户的新年祝福视频", "a smiling team in smart office clothes"),
    ("宝宝满月", "a baby in a little red outfit"),
    ("happy birthday to my colleagues", "a group of coworkers in paper party hats"),
])
def test_several_people_and_work_relations_pick_their_subject(table, text, subject):
    assert scene_of(text, table).subject == subject


def test_tone_words_shade_the_scene_without_stopping_it(table):
    plain = scene_of("a birthday video for my mom", table)
    funny = scene_of("a funny birthday video for my mom", table)
    assert funny.id == plain.id and funny.mood == "playful"
    assert "laughing" in funny.details[0] and funny.subject == plain.subject
    warm = scene_of("温馨一点的生日视频", table)
    assert warm.id == "birthday" and "warmth" in warm.details[0]
    assert not any("snow" in d for d in warm.details)  # 温馨 is a tone here, not winter
    grand = scene_of("我们公司年会开场视频，大气一点", table)
    assert grand.id == "annual_party" and grand.mood == "epic"
    surprise = scene_of("结婚纪念日给老婆一个惊喜", table)
    assert "surprise" in surprise.details[0]
    assert scene_of("温馨", table).id == "winter_cozy"  # alone, the word is the feeling
    assert read_occasion("make it funny", table) is None  # a tone alone names nothing
    assert not any("tears" in d for d in scene_of("moving away", table).details)
    assert scene_of("grand opening", table).mood == scene_of("开业", table).mood


def test_a_second_occasion_or_feeling_adds_its_detail(table):
    home = scene_of("春节回家", table)
    assert home.id == "welcome_home" and "Spring Festival" in home.details[0]
    summer = scene_of("a summer birthday party for my son", table)
    assert summer.id == "birthday_child" and "summer" in summer.details[0]
    assert scene_of("新年快乐", table).details == scene_of("春节快乐", table).details


NEW_CONCRETE = [
    "a student studying for an exam in a library",
    "a funny dog chasing its tail in the garden",
    "a warm fireplace in a log cabin",
    "a sleepless man walking through the city at night",
    "龙舟比赛，队员们奋力划桨",
    "毕业生在校园里把帽子抛向天空",
    "温馨的客厅里有一只猫",
    "孩子们在操场上跑步",
    "公司年会上大家在台上跳舞",
]


@pytest.mark.parametrize("text", NEW_CONCRETE)
def test_a_concrete_idea_with_tone_or_relation_words_is_left_alone(table, text):
    assert read_occasion(text, table) is None


@pytest.mark.parametrize("old,new,message", [
    ('key_en = ["wedding"]\n', 'key_en = ["elopement"]\n',
     "[[occasion]] 'wedding': field 'key_en': must name the occasion or feeling in the "
     "scene"),
    ('key_en = ["wedding"]\n', '', "[[occasion]] 'wedding': field 'key_en': is missing"),
    ('id = "funny"\n', 'id = "funny"\ncolour = "red"\n', "[[tone]] 'funny': field 'colour': unknown field"),
    ('detail = "a comic mishap that sets everyone laughing"\nmood = "playful"',
     'detail = "a comic mishap that sets everyone laughing"\nmood = "silly"',
     "[[tone]] 'funny': field 'mood': must be one of"),
    ('match_zh = ["搞笑",', 'match_zh = ["笑",', "[[tone]] 'funny': field 'match_zh[1]'"),
    ('match_en = ["funny",', 'match_en = ["warm", "funny",',
     "[[tone]] 'funny': field 'match_en': the phrase 'warm' is also in 'warm'"),
    ('group = true }', 'group = "yes" }', "field 'group': must be true or false"),
])
def test_new_keys_are_checked(broken, old, new, message):
    edit(broken, old, new)
    with pytest.raises(DataFileError) as error:
        load_occasions(broken)
    assert "agent/data/occasions.toml" in str(error.value) and message in str(error.value)
