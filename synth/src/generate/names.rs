//! Name material for synthetic registers: surnames with realistic frequencies (the top
//! hundred carry about 85% of people; 王 李 张 刘 陈 each 5–7%), a tail of rare and
//! compound surnames, common given-name characters, and the homophones and traditional
//! forms that real typing errors produce.

use sanku::ground::rng::{Rng, cumulative};

/// Common surnames with their approximate share of the population, in percent.
const SURNAMES: &[(&str, f64)] = &[
    ("王", 7.1),
    ("李", 7.0),
    ("张", 6.7),
    ("刘", 5.4),
    ("陈", 4.6),
    ("杨", 3.1),
    ("黄", 2.0),
    ("赵", 2.0),
    ("吴", 1.6),
    ("周", 1.6),
    ("徐", 1.3),
    ("孙", 1.3),
    ("马", 1.2),
    ("朱", 1.1),
    ("胡", 1.0),
    ("郭", 1.0),
    ("何", 0.9),
    ("林", 0.9),
    ("罗", 0.9),
    ("高", 0.9),
    ("郑", 0.8),
    ("梁", 0.8),
    ("谢", 0.7),
    ("宋", 0.6),
    ("唐", 0.6),
    ("许", 0.6),
    ("韩", 0.6),
    ("冯", 0.5),
    ("邓", 0.5),
    ("曹", 0.5),
    ("彭", 0.5),
    ("曾", 0.5),
    ("肖", 0.5),
    ("田", 0.5),
    ("董", 0.5),
    ("袁", 0.4),
    ("潘", 0.4),
    ("于", 0.4),
    ("蒋", 0.4),
    ("蔡", 0.4),
    ("余", 0.4),
    ("杜", 0.4),
    ("叶", 0.4),
    ("程", 0.4),
    ("苏", 0.4),
    ("魏", 0.4),
    ("吕", 0.4),
    ("丁", 0.4),
    ("任", 0.3),
    ("沈", 0.3),
    ("姚", 0.3),
    ("卢", 0.3),
    ("姜", 0.3),
    ("崔", 0.3),
    ("钟", 0.3),
    ("谭", 0.3),
    ("陆", 0.3),
    ("汪", 0.3),
    ("范", 0.3),
    ("金", 0.3),
    ("石", 0.3),
    ("廖", 0.3),
    ("贾", 0.3),
    ("夏", 0.3),
    ("韦", 0.3),
    ("付", 0.3),
    ("方", 0.3),
    ("白", 0.3),
    ("邹", 0.3),
    ("孟", 0.3),
    ("熊", 0.2),
    ("秦", 0.2),
    ("邱", 0.2),
    ("江", 0.2),
    ("尹", 0.2),
    ("薛", 0.2),
    ("闫", 0.2),
    ("段", 0.2),
    ("雷", 0.2),
    ("侯", 0.2),
    ("龙", 0.2),
    ("史", 0.2),
    ("陶", 0.2),
    ("黎", 0.2),
    ("贺", 0.2),
    ("顾", 0.2),
    ("毛", 0.2),
    ("郝", 0.2),
    ("龚", 0.2),
    ("邵", 0.2),
    ("万", 0.2),
    ("钱", 0.2),
    ("严", 0.2),
    ("覃", 0.2),
    ("武", 0.2),
    ("戴", 0.2),
    ("莫", 0.2),
    ("孔", 0.2),
    ("向", 0.2),
    ("汤", 0.2),
    ("单", 0.1),
    ("常", 0.1),
];

/// The long tail: rare single surnames and compound ones.
const RARE_SURNAMES: &[&str] = &[
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "令狐", "慕容", "司徒", "公孙", "长孙",
    "鲍", "庞", "葛", "柴", "岳", "柳", "牛", "殷", "饶", "甘", "祁", "焦", "翟", "屈", "左", "阮",
    "聂", "晏", "查", "解", "区", "仇", "缪", "宓", "蓝", "乔", "艾", "阎", "简", "车", "项", "童",
];

/// Common given-name characters.
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀", "霞", "平", "刚", "桂", "英", "华", "玉", "红", "建", "文", "辉", "玲", "婷", "宇",
    "欣", "怡", "佳", "子", "涵", "浩", "轩", "晨", "思", "雪", "梓", "睿", "博", "俊", "鑫", "宁",
    "凯", "鹏", "飞", "龙", "凤", "兰", "云", "琳", "颖", "倩", "萍", "燕", "波", "斌", "峰", "林",
    "海", "亮", "成", "志", "春", "晓", "丹", "小", "一", "嘉", "雨", "诗", "梦", "欢", "乐", "安",
    "泽", "瑞", "航", "铭", "昊", "哲", "逸", "然", "妍", "悦", "彤", "可", "馨", "语", "萱", "琪",
    "宏", "国", "家", "德", "永", "新", "金", "荣", "福", "忠", "学", "慧", "晶", "立", "东", "楠",
];

/// Groups of characters read alike (toneless pinyin), for homophone typing errors.
const HOMOPHONES: &[&[&str]] = &[
    &["伟", "玮", "炜", "维"],
    &["丽", "莉", "立", "力"],
    &["静", "婧", "晶", "菁"],
    &["明", "铭", "鸣"],
    &["华", "桦"],
    &["军", "君", "均"],
    &["涛", "韬", "滔"],
    &["杰", "洁", "婕"],
    &["燕", "艳", "雁"],
    &["芳", "方"],
    &["磊", "蕾"],
    &["敏", "闽"],
    &["霞", "夏"],
    &["平", "萍", "苹"],
    &["红", "鸿", "宏", "洪"],
    &["建", "健", "剑"],
    &["文", "雯", "闻"],
    &["辉", "晖"],
    &["玲", "琳", "林", "霖"],
    &["婷", "亭", "庭"],
    &["宇", "雨", "语", "羽"],
    &["欣", "新", "心", "馨"],
    &["怡", "依", "仪"],
    &["佳", "嘉", "家"],
    &["子", "紫", "梓"],
    &["涵", "含", "晗"],
    &["浩", "昊", "皓"],
    &["轩", "萱", "宣"],
    &["晨", "辰", "臣"],
    &["思", "斯", "丝"],
    &["雪", "学"],
    &["鹏", "朋"],
    &["飞", "菲", "非"],
    &["峰", "锋", "枫"],
    &["斌", "彬"],
    &["颖", "影"],
    &["倩", "茜"],
    &["波", "博"],
    &["睿", "瑞"],
    &["凯", "恺"],
    &["彤", "桐", "童"],
];

/// Simplified characters and their traditional forms.
const TRADITIONAL: &[(&str, &str)] = &[
    ("伟", "偉"),
    ("丽", "麗"),
    ("华", "華"),
    ("军", "軍"),
    ("涛", "濤"),
    ("杰", "傑"),
    ("红", "紅"),
    ("辉", "輝"),
    ("轩", "軒"),
    ("刘", "劉"),
    ("陈", "陳"),
    ("张", "張"),
    ("杨", "楊"),
    ("黄", "黃"),
    ("赵", "趙"),
    ("吴", "吳"),
    ("孙", "孫"),
    ("马", "馬"),
    ("罗", "羅"),
    ("东", "東"),
    ("国", "國"),
    ("学", "學"),
    ("龙", "龍"),
    ("凤", "鳳"),
    ("兰", "蘭"),
    ("云", "雲"),
    ("飞", "飛"),
    ("鹏", "鵬"),
    ("刚", "剛"),
    ("宁", "寧"),
    ("静", "靜"),
    ("欢", "歡"),
    ("乐", "樂"),
    ("梦", "夢"),
    ("诗", "詩"),
    ("晓", "曉"),
    ("志", "誌"),
    ("荣", "榮"),
    ("凯", "凱"),
    ("铭", "銘"),
    ("琳", "琳"),
    ("颖", "穎"),
    ("叶", "葉"),
    ("邓", "鄧"),
    ("谢", "謝"),
    ("许", "許"),
    ("韩", "韓"),
    ("冯", "馮"),
];

/// Uyghur given names, men's and women's. A Uyghur name is the person's given name and
/// the father's given name, joined by a middle dot (阿依古丽·吐尔逊: 阿依古丽, daughter of
/// 吐尔逊); siblings share the second part.
const UYGHUR_MALE: &[&str] = &[
    "买买提",
    "艾合买提",
    "努尔艾力",
    "阿卜杜拉",
    "艾力",
    "吐尔逊",
    "阿不都",
    "艾山",
    "司马义",
    "艾则孜",
    "吾守尔",
    "玉苏甫",
    "依明",
    "吐尔洪",
    "买合木提",
    "肉孜",
    "阿里木",
    "塔依尔",
    "亚森",
    "热合曼",
    "居马",
    "卡德尔",
    "麦麦提",
    "迪力夏提",
    "阿迪力",
    "艾尔肯",
    "帕尔哈提",
    "吾斯曼",
    "阿布来提",
    "努尔买买提",
    "库尔班",
    "热西提",
    "伊斯马伊力",
    "阿尔孜",
    "买吐送",
    "艾克拜尔",
    "吐逊江",
    "阿合买提江",
    "米吉提",
    "托合提",
];
const UYGHUR_FEMALE: &[&str] = &[
    "阿依古丽",
    "古丽米拉",
    "热依拉",
    "帕提古丽",
    "古丽娜尔",
    "阿依努尔",
    "迪丽娜尔",
    "努尔古丽",
    "再努尔",
    "米热古丽",
    "阿米娜",
    "祖丽菲亚",
    "玛依拉",
    "海力且姆",
    "阿瓦古丽",
    "加米拉",
    "茹仙古丽",
    "排孜拉",
    "阿孜古丽",
    "古再丽",
    "阿依夏木",
    "布佐热",
    "努尔尼沙",
    "萨拉",
    "麦尔哈巴",
    "吐尔尼沙",
    "阿依提拉",
    "古丽巴哈尔",
    "美合日班",
    "热娜",
];
/// Tibetan name elements; a Tibetan name is two of them, often written with a middle dot
/// in registers (扎西·多吉), with no surname.
const TIBETAN: &[&str] = &[
    "扎西", "多吉", "卓玛", "次仁", "格桑", "央金", "德吉", "平措", "索朗", "旦增", "拉姆", "次旦",
    "尼玛", "达瓦", "普布", "边巴", "巴桑", "白玛", "曲珍", "洛桑", "益西", "顿珠", "拉巴", "米玛",
    "琼达", "桑珠", "卓嘎", "央宗",
];

/// Draws names.
pub struct NameBook {
    surname_weights: Vec<f64>,
}

impl Default for NameBook {
    fn default() -> Self {
        let top: f64 = SURNAMES.iter().map(|(_, w)| w).sum();
        // The rare tail shares what the listed surnames leave to 100%.
        let tail = (100.0 - top).max(0.0);
        let weights = SURNAMES
            .iter()
            .map(|(_, w)| *w)
            .chain(std::iter::once(tail));
        NameBook {
            surname_weights: cumulative(weights),
        }
    }
}

impl NameBook {
    pub fn surname(&self, rng: &mut Rng) -> &'static str {
        let i = rng.pick_cumulative(&self.surname_weights);
        match SURNAMES.get(i) {
            Some((s, _)) => s,
            None => rng.pick_word(RARE_SURNAMES),
        }
    }

    /// A given name of one (30%) or two characters.
    pub fn given(&self, rng: &mut Rng) -> String {
        let first = rng.pick_word(GIVEN);
        if rng.chance(0.3) {
            first.to_string()
        } else {
            format!("{first}{}", rng.pick(GIVEN))
        }
    }

    /// A twin's given name: shares the first character when the name has two.
    pub fn twin_given(&self, rng: &mut Rng, sibling: &str) -> String {
        let first: String = sibling.chars().take(1).collect();
        loop {
            let name = format!("{first}{}", rng.pick(GIVEN));
            if name != sibling {
                return name;
            }
        }
    }

    /// A Uyghur given name.
    pub fn uyghur_given(&self, rng: &mut Rng, male: bool) -> &'static str {
        rng.pick_word(if male { UYGHUR_MALE } else { UYGHUR_FEMALE })
    }

    /// A Tibetan name of two elements.
    pub fn tibetan(&self, rng: &mut Rng) -> String {
        let first = rng.pick_word(TIBETAN);
        let second = loop {
            let e = rng.pick_word(TIBETAN);
            if e != first {
                break e;
            }
        };
        format!("{first}·{second}")
    }
}

/// How many characters of a Han name are its surname: two for a compound surname.
fn surname_len(name: &str) -> usize {
    let two: String = name.chars().take(2).collect();
    if RARE_SURNAMES.contains(&two.as_str()) {
        2
    } else {
        1
    }
}

/// The name written in pinyin letters, as forms filled in without a Chinese input method
/// show it: `ZHANG XIAOMING` or `Zhang Xiaoming`; `None` for a name with a separator.
pub fn pinyin_written(rng: &mut Rng, name: &str) -> Option<String> {
    use pinyin::ToPinyin;
    let (surname, given) = split_name(name)?;
    let spell = |part: &str| -> Option<String> {
        part.chars()
            .map(|c| c.to_pinyin().map(|p| p.plain()))
            .collect()
    };
    let parts = [spell(&surname)?, spell(&given)?];
    let upper = rng.chance(0.5);
    let styled: Vec<String> = parts
        .iter()
        .map(|p| {
            if upper {
                p.to_uppercase()
            } else {
                let mut c = p.chars();
                c.next()
                    .map(|f| f.to_uppercase().chain(c).collect())
                    .unwrap_or_default()
            }
        })
        .collect();
    Some(styled.join(" ").replace('ü', "v"))
}

/// A Han name's surname and given name; `None` for a name with a separator.
fn split_name(name: &str) -> Option<(String, String)> {
    if name.contains('·') {
        return None;
    }
    let n = surname_len(name);
    Some((
        name.chars().take(n).collect(),
        name.chars().skip(n).collect(),
    ))
}

/// The name with another given name (a name changed, 改名): the record keeps the old one.
pub fn given_changed(book: &NameBook, rng: &mut Rng, name: &str) -> Option<String> {
    let (surname, _) = split_name(name)?;
    (0..10)
        .map(|_| format!("{surname}{}", book.given(rng)))
        .find(|n| n != name)
}

/// The name under another surname (the other parent's).
pub fn surname_changed(book: &NameBook, rng: &mut Rng, name: &str) -> Option<String> {
    let (_, given) = split_name(name)?;
    (0..10)
        .map(|_| format!("{}{given}", book.surname(rng)))
        .find(|n| n != name)
}

/// Replaces one character that has a homophone by another of its group; `None` when no
/// character of the name has one.
pub fn homophone_variant(rng: &mut Rng, name: &str) -> Option<String> {
    variant(rng, name, |c| {
        HOMOPHONES
            .iter()
            .find(|g| g.contains(&c))
            .map(|g| g.iter().copied().filter(|&o| o != c).collect::<Vec<_>>())
    })
}

/// Writes one character in its traditional form; `None` when none has one.
pub fn traditional_variant(rng: &mut Rng, name: &str) -> Option<String> {
    variant(rng, name, |c| {
        TRADITIONAL
            .iter()
            .find(|(s, t)| *s == c && s != t)
            .map(|(_, t)| vec![*t])
    })
}

fn variant(
    rng: &mut Rng,
    name: &str,
    options: impl Fn(&str) -> Option<Vec<&'static str>>,
) -> Option<String> {
    let chars: Vec<String> = name.chars().map(String::from).collect();
    let candidates: Vec<(usize, Vec<&str>)> = chars
        .iter()
        .enumerate()
        .filter_map(|(i, c)| options(c).map(|o| (i, o)))
        .collect();
    if candidates.is_empty() {
        return None;
    }
    let (i, choices) = rng.pick(&candidates);
    let mut out = chars.clone();
    out[*i] = rng.pick(choices).to_string();
    Some(out.concat())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_top_five_surnames_carry_five_to_seven_percent_each() {
        let book = NameBook::default();
        let mut rng = Rng::new(3);
        let n = 200_000;
        let mut wang = 0;
        let mut compound = 0;
        for _ in 0..n {
            let s = book.surname(&mut rng);
            wang += usize::from(s == "王");
            compound += usize::from(s.chars().count() == 2);
        }
        let share = wang as f64 / n as f64;
        assert!((0.065..0.077).contains(&share), "{share}");
        assert!(compound > 0);
    }

    #[test]
    fn variants_change_one_character() {
        let mut rng = Rng::new(5);
        let h = homophone_variant(&mut rng, "张伟").unwrap();
        assert!(["张玮", "张炜", "张维"].contains(&h.as_str()), "{h}");
        assert_eq!(
            traditional_variant(&mut rng, "马丽")
                .as_deref()
                .map(|s| s.chars().count()),
            Some(2)
        );
        assert_eq!(homophone_variant(&mut rng, "王"), None);
    }

    #[test]
    fn names_are_written_in_pinyin_and_changed() {
        let mut rng = Rng::new(8);
        let book = NameBook::default();
        for _ in 0..10 {
            let w = pinyin_written(&mut rng, "欧阳子涵").unwrap();
            assert!(
                ["OUYANG ZIHAN", "Ouyang Zihan"].contains(&w.as_str()),
                "{w}"
            );
            let g = given_changed(&book, &mut rng, "欧阳子涵").unwrap();
            assert!(g.starts_with("欧阳") && g != "欧阳子涵", "{g}");
            let s = surname_changed(&book, &mut rng, "张伟").unwrap();
            assert!(s.ends_with('伟') && s != "张伟", "{s}");
        }
        assert_eq!(pinyin_written(&mut rng, "买买提·艾力"), None);
    }
}
