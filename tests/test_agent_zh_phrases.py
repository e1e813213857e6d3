"""Chinese phrasings the reader got wrong on a blind set (bench/agent_ideas_zh_unseen.toml,
its odd-numbered half read): what someone wears before 的, a verb with 在/着 cut as one word,
a verb said twice around 来…去, an animal's baby, a verb that takes its object after a
preposition, "X风" as a style, a word of degree before an adjective, a measure word for a
boat. Each is a general pattern, tested here on phrasings beyond the ones that were seen."""

from __future__ import annotations

import pytest

from agent.shot import ShotSpec
from errors import NotUnderstood


def _read(formula, idea: str):
    return formula.read(idea)


@pytest.mark.parametrize("idea, subject", [
    ("一个穿红裙子的女孩在跳舞", "a girl wearing a red dress"),  # was "a red-dressed son's girl"
    ("动漫风，一个戴红围巾的男孩站在屋顶上", "a boy wearing a red scarf"),  # the scarf was lost
    ("穿着蓝色外套的老人在公园散步", "an old man wearing a blue coat"),
    ("戴着黄色帽子的小狗在草地上跑", "a puppy wearing a yellow hat"),
])
def test_what_someone_wears_before_de_stays_with_them(formula, idea, subject):
    assert _read(formula, idea).subject == subject


@pytest.mark.parametrize("idea, action", [
    ("一叶竹筏慢慢漂在漓江上", "floating"),  # 漂在 was an unknown word: the idea was refused
    ("一片叶子漂在水面上", "floating on the water"),
    ("一只猫趴在窗台上", "lying on a windowsill"),
])
def test_a_verb_cut_with_zai_is_read_and_its_place_kept(formula, idea, action):
    brief = _read(formula, idea)
    assert action in brief.action and not brief.untranslated


def test_a_boat_counted_with_ye_is_one_raft(formula):
    brief = _read(formula, "桂林山水，一叶竹筏慢慢漂在漓江上，清晨有雾")
    assert brief.subject == "a bamboo raft"
    assert "the Li River" in brief.place and dict(brief.pins)["weather"] == ("fog",)


@pytest.mark.parametrize("idea, action", [
    ("两只熊猫宝宝在木架上抢一个苹果，滚来滚去", "rolling around"),  # not "boiling and coming"
    ("蝴蝶在花丛中飞来飞去", "flying around"),
    ("孩子们在院子里跑来跑去", "running around"),
])
def test_a_verb_said_twice_around_lai_qu_is_done_all_around(formula, idea, action):
    brief = _read(formula, idea)
    assert action in brief.action and "coming" not in brief.action


@pytest.mark.parametrize("idea, subject", [
    ("两只熊猫宝宝在木架上抢一个苹果", "two baby pandas"),
    ("熊猫宝宝在吃竹子", "a baby panda"),
])
def test_an_animals_baby_is_the_animal_not_a_person(formula, idea, subject):
    brief = _read(formula, idea)
    assert brief.subject == subject and brief.kind == "animal"


@pytest.mark.parametrize("idea, action", [
    ("一个男孩站在屋顶上看流星雨", "looking at a meteor shower"),
    ("一个女孩在听音乐", "listening to music"),
    ("小狗在门口等主人", "waiting for an owner"),
    ("熊猫吃竹子", "eating bamboo"),  # a verb that takes its object directly stays so
])
def test_a_verbs_object_comes_after_the_preposition_it_takes(formula, idea, action):
    assert action in _read(formula, idea).action


@pytest.mark.parametrize("idea, look", [
    ("动漫风，一个男孩站在屋顶上", "anime"),
    ("赛博朋克风的城市夜景", "cyberpunk"),
])
def test_a_style_named_with_feng_is_a_style_not_a_breeze(formula, idea, look):
    pins = dict(_read(formula, idea).pins)
    assert pins["look"] == (look,) and "weather" not in pins


@pytest.mark.parametrize("idea, words", [
    ("环绕拍摄一棵巨大的银杏树，叶子全黄了，秋天", "yellow leaves"),  # 全黄 was unknown
    ("一只很胖的橘猫", "a chubby orange cat"),
    ("一个孤独的老人坐在长椅上", "a lonely old man"),
    ("想要那种一个人坐在末班地铁上的孤独感", "a lonely person"),  # 那种 was the subject
])
def test_degree_words_and_feelings_before_a_noun(formula, idea, words):
    brief = _read(formula, idea)
    assert words in " ".join([brief.subject, *brief.details]) and not brief.untranslated


def test_a_festive_new_year_feel_is_said(formula):
    spec = formula.rewrite(ShotSpec(idea="红灯笼挂满整条老街，晚上，很有年味", seed=1)).spec
    assert "festive New Year" in spec.prompt


@pytest.mark.parametrize("idea", ["轻轨从大楼中间穿过去", "刚下过雨的地面反着光"])
def test_through_and_reflecting_are_verbs_not_wearing_or_unknown(formula, idea):
    brief = _read(formula, idea)
    assert "wearing" not in brief.action and not brief.untranslated
    assert "passing through" in brief.action or "reflecting light" in brief.action


# --- found on the older unseen set (bench/agent_ideas_unseen.toml), read after it was
#     replaced as the honest estimate by the blind half above ------------------------------

@pytest.mark.parametrize("idea, subject", [
    ("皮克斯风格，一只小刺猬第一天上学，很紧张", "nervous"),  # the feeling was only a pin
    ("外婆在灶台前炒菜，满满的烟火气，很怀旧", "a nostalgic grandmother"),
])
def test_a_feeling_said_alone_is_the_subjects(formula, idea, subject):
    assert subject in _read(formula, idea).subject


@pytest.mark.parametrize("idea, avoided, subject", [
    ("长城上的日出，一个人都没有", "people", "Great Wall"),  # was "a person on the Great Wall"
    ("天空一朵云都没有", "clouds", "sky"),
])
def test_not_a_single_one_is_none_at_all(formula, idea, avoided, subject):
    brief = _read(formula, idea)
    assert avoided in brief.avoid and subject in brief.subject and "person" not in brief.subject


@pytest.mark.parametrize("idea", ["阿巴阿巴阿巴", "啊吧啊吧 嘟嘟 咕噜咕噜", "哈哈哈"])
def test_babble_is_asked_about(formula, idea):
    with pytest.raises(NotUnderstood):
        _read(formula, idea)


@pytest.mark.parametrize("idea, subject", [("星星", "stars"), ("猫猫", "a cat")])
def test_a_real_word_said_twice_is_no_babble(formula, idea, subject):
    assert _read(formula, idea).subject == subject


@pytest.mark.parametrize("idea, subject, action", [
    ("我的狗狗去世了，想做一个它在彩虹桥上奔跑的视频", "a dog", "running on a bridge"),
    ("推镜头慢慢推到一个老人的脸上，他在笑，眼角有泪", "an old man", "laughing"),
])
def test_a_pronoun_is_who_was_named_and_the_wanted_clause_leads(formula, idea, subject, action):
    brief = _read(formula, idea)
    assert (brief.subject, brief.action) == (subject, action)


def test_a_pronoun_owning_a_camera_aim_stays_the_cameras(formula):
    brief = _read(formula, "一个女孩在跳舞，镜头慢慢推近她的脸")
    assert brief.subject == "a girl" and brief.camera_target == "toward her face"


@pytest.mark.parametrize("idea, action", [
    ("小孩第一次看到雪，兴奋得在雪地里打滚", "rolling about"),  # was taken for the snow's
    ("治愈系 下雨天窝在咖啡馆看书", "reading a book in a café"),  # was "天窝", and asked
])
def test_a_verb_after_zai_and_a_setting_is_done_there(formula, idea, action):
    brief = _read(formula, idea)
    assert action in brief.action and not brief.untranslated


def test_a_verb_after_the_setting_it_names_stays_the_scenes(formula):
    brief = _read(formula, "雨后的彩虹挂在山间")  # the rainbow hangs there; nobody else
    assert brief.subject == "rainbow" and "someone" not in brief.subject


@pytest.mark.parametrize("idea, words", [
    ("龙卷风卷走了一个稻草人", "sweeping away a scarecrow"),
    ("环绕镜头，一辆红色跑车停在沙漠公路上", "parked on a desert highway"),
    ("春节除夕夜，一家人围着桌子吃年夜饭", "gathered around a table"),
    ("布达拉宫前经幡在风里飘，蓝天白云", "blue sky and white clouds"),
])
def test_words_the_dictionary_read_wrongly(formula, idea, words):
    brief = _read(formula, idea)
    assert words in " ".join([brief.action, *brief.details])


def test_a_product_showcase_is_a_look_not_the_subject(formula):
    brief = _read(formula, "产品展示：一双白色运动鞋在空中慢慢旋转，背景极简")
    assert brief.subject == "a pair of white sneakers"
    assert dict(brief.pins)["atmosphere"] == ("premium",)


# --- found on the holdout set (bench/agent_ideas_holdout.toml, read since the first look) ---

@pytest.mark.parametrize("idea, slot, entry", [
    ("雨后的竹林，很安静", "weather", "after-rain"),  # was an overcast sky
    ("凌晨四点的城中村，刚下过雨，路面反光", "weather", "after-rain"),
    ("凌晨四点的城中村", "time", "pre-dawn"),  # was midnight
    ("成都的茶馆里，老人们在打麻将，下午的阳光", "lighting", "sunlight"),  # was "soft daylight"
])
def test_times_weather_and_light_as_said(formula, idea, slot, entry):
    assert dict(_read(formula, idea).pins)[slot] == (entry,)


@pytest.mark.parametrize("idea, words", [
    ("雨后的竹林", "after the rain"),
    ("凌晨四点的城中村", "before dawn"),
    ("下午的阳光照在老人们身上", "sunlight"),
])
def test_what_was_pinned_is_said_in_the_prompt(formula, idea, words):
    assert words in formula.rewrite(ShotSpec(idea=idea, seed=2)).spec.prompt


@pytest.mark.parametrize("idea, movement", [
    ("雨后的竹林，镜头慢慢往前移，很安静", "push-in"),  # was someone "moving forwards"
    ("镜头往后拉，露出整片草原", "pull-out"),
])
def test_the_camera_moving_forward_or_back_is_a_camera_move(formula, idea, movement):
    brief = _read(formula, idea)
    assert dict(brief.pins)["movement"] == (movement,) and "someone" not in brief.subject


def test_a_scene_word_with_its_locative_is_a_place(formula):
    brief = _read(formula, "老街上卖糖画的手艺人，特写他的手")  # the street was the subject
    assert brief.subject == "a craftsman selling a sugar painting"
    assert "on an old street" in brief.action and "his hands" in brief.details


@pytest.mark.parametrize("idea, subject", [
    ("她的头发在风中飘", "her hair"),  # an owner that is a pronoun is said as one
    ("一个人的脸", "a person's face"),
])
def test_an_owner_pronoun_is_a_possessive(formula, idea, subject):
    assert _read(formula, idea).subject == subject


@pytest.mark.parametrize("idea, words", [
    ("三只小鸭子跟着鸭妈妈过马路", "three ducklings"),
    ("延时拍摄一朵昙花开放的过程，黑色背景", "night-blooming cereus"),
    ("拉萨布达拉宫前转经的藏族老人", "spinning a prayer wheel"),
    ("皮克斯风格，一只胆小的刺猬在森林里找蘑菇", "searching for a mushroom"),
])
def test_words_the_dictionary_lacked(formula, idea, words):
    brief = _read(formula, idea)
    assert words in f"{brief.subject} {brief.action}"


@pytest.mark.parametrize("idea, words", [
    ("丽江古城的屋顶，黄昏，有人在弹吉他", "a roof in the Old Town of Lijiang"),  # was lost
    ("一个小男孩第一次吃柠檬，表情很酸", "a sour expression"),
    ("羊肉串在炭火上烤，冒着烟", "giving off smoke"),  # was "emiting a cigarette or pipe tobacco"
    ("一只小狗第一次见到雪，不敢踩", "hesitantly stepping"),
    ("泼水节，傣族姑娘们互相泼水", "splashing water at each other"),
    ("苗族姑娘戴着银饰跳舞", "a Miao young woman"),
])
def test_more_words_and_places_kept(formula, idea, words):
    brief = _read(formula, idea)
    assert words in " ".join([brief.subject, brief.action, *brief.details])


def test_peoples_are_adjectives_and_each_other_is_said_once(formula):
    assert _read(formula, "泼水节，傣族姑娘们互相泼水").subject == "Dai young women"  # not "race"
    assert _read(formula, "两只小猫互相追逐").action == "chasing each other"


def test_a_square_dance_in_china_is_no_american_square_dance(formula):
    spec = formula.rewrite(ShotSpec(idea="广场舞，傍晚，一群阿姨跳得很开心", seed=1)).spec
    assert "public square" in spec.prompt and "square dance " not in f"{spec.prompt} "


def test_day_into_night_is_one_time(formula):
    brief = _read(formula, "拍一段延时，从白天到晚上，上海陆家嘴的天际线")
    assert dict(brief.pins)["time"] == ("day-to-night",)
    assert "as day turns into night" in formula.rewrite(
        ShotSpec(idea="拍一段延时，从白天到晚上，上海陆家嘴的天际线", seed=1)).spec.prompt


@pytest.mark.parametrize("idea, subject, action", [
    ("一群穿着学士服的同学把帽子抛向天空", "a group of students wearing a graduation gown",
     "throwing a hat toward the sky"),  # was "student hat", and not the subject
    ("小猫把杯子推到地上", "a kitten", "pushing a cup"),
    ("妈妈把饺子放进锅里", "a mother", "putting dumplings into"),
])
def test_ba_puts_the_object_after_the_verb(formula, idea, subject, action):
    brief = _read(formula, idea)
    assert brief.subject == subject and action in brief.action


def test_the_clause_of_someone_doing_something_leads_a_long_idea(formula):
    brief = _read(formula, "我想做一个毕业纪念视频：夏天的操场上，一群穿着学士服的同学把帽子"
                           "抛向天空，慢动作，阳光很刺眼")
    assert brief.subject.startswith("a group of students") and brief.kind == "person"
    assert dict(brief.pins)["speed"] == ("slow-motion",)


# --- ideas of our own (written for this test, not in any bench set) -------------------------

@pytest.mark.parametrize("idea, words", [
    ("清晨的西湖，断桥上有薄雾，一个穿汉服的姑娘撑着油纸伞慢慢走过",
     "holding an oil paper umbrella"),  # 撑 was "supporting"
    ("清晨的西湖，断桥上有薄雾，一个穿汉服的姑娘撑着油纸伞慢慢走过",
     "mist on the Broken Bridge"),  # a named place in a weather clause was dropped
    ("我家两只布偶猫在抢一个纸箱子", "two ragdoll cats"),  # was "a home and two ragdoll cats"
    ("我家两只布偶猫在抢一个纸箱子", "a cardboard box"),  # was "a paper suitcase"
    ("俯拍一桌年夜饭，热气腾腾", "a table of steaming New Year's Eve dinner"),
    ("一只金毛叼着飞盘跑回主人身边", "running back to the owner"),
    ("小鸟飞回鸟巢", "flying back to a nest"),
    ("武侠风，两个剑客在竹林里对决", "two wuxia swordsmen"),  # was "martial arts chivalry wind"
    ("武侠风，两个剑客在竹林里对决", "dueling in a bamboo forest"),
    ("夜晚的城市天际线，延时摄影，车流像光带一样", "looking like ribbon of light"),
    ("一个小女孩蹲在地上看蚂蚁搬家", "looking at a line of ants carrying food"),
])
def test_ideas_of_our_own(formula, idea, words):
    brief = _read(formula, idea)
    assert words in " ".join([brief.subject, brief.action, *brief.details])


def test_fine_weather_adds_no_stray_adjective(formula):
    brief = _read(formula, "小男孩追着泡泡跑，阳光很好，慢镜头")  # was the detail "a good"
    assert not brief.details and dict(brief.pins)["lighting"] == ("sunlight",)


@pytest.mark.parametrize("idea, subject, action", [
    ("一只柴犬坐在海边看日落", "a shiba inu dog", "looking at a sundown"),  # a scene word object
    ("宇航员在月球上种下一朵花", "an astronaut", "planting a flower on the moon"),  # was "a seed"
    ("夏夜的田野里，萤火虫一闪一闪的", "a firefly", "twinkling in a field"),  # was "a summer"
])
def test_a_second_round_of_our_own(formula, idea, subject, action):
    brief = _read(formula, idea)
    assert brief.subject == subject and action in brief.action


def test_an_unreadable_word_outside_the_subjects_clause_is_reported_not_asked(formula):
    brief = _read(formula, "开头是一个小女孩趴在窗边等人。然后门开了，爸爸穿着军装回来了。"
                           "女孩跑过去抱住他。")
    assert brief.subject == "a little girl" and "门开" in brief.untranslated
    with pytest.raises(NotUnderstood):  # where it would be the subject, it is still asked
        _read(formula, "小明在草地上奔跑")


@pytest.mark.parametrize("idea, action", [
    ("女孩跑过去抱住他", "hugging him"), ("妈妈抱着她", "holding her"),
])
def test_a_pronoun_after_a_verb_is_its_object(formula, idea, action):
    assert action in _read(formula, idea).action


def test_he_is_only_a_person_named_before(formula):
    brief = _read(formula, "一只猫在睡觉，他在看书")  # 他 is not the cat
    assert brief.subject == "a cat" and "reading a book" not in brief.action


@pytest.mark.parametrize("idea, subject, action", [
    ("外婆坐在摇椅上织毛衣，窗外在下雪", "a grandmother", "knitting a sweater on a rocking chair"),
    ("一列绿皮火车穿过油菜花田，航拍", "an old green train", "passing through"),  # was asked
    ("夜市里的烤鱿鱼在铁板上滋滋作响，特写", "a squid", "sizzling"),
])
def test_the_reviews_ten_ideas(formula, idea, subject, action):
    """jieba's cut across a locative and a verb ("摇椅|上织|毛衣") is read as both."""
    brief = _read(formula, idea)
    assert brief.subject == subject and action in brief.action and not brief.untranslated
