//! Registrations (docs/matching.md): a student extract holds several rows under one student
//! number — the registration's history (毕业 from primary school, 转出 from an earlier school,
//! the 在读 row now), sometimes the same row twice. Those rows are one student and link
//! together, to one child: one row stands for the registration (an in-school row when there
//! is one, so the registration is in school when any of its rows is), and the others follow
//! it.
//!
//! A student number groups rows only when it looks like a number (six characters or more,
//! not one character repeated), and a row joins a registration only when it is plausibly
//! the same child: the same name after folding, or the same surname (a Uyghur name's
//! father's name) and birth date (a
//! changed given name; unless the two rows carry two different usable IDs: twins under a
//! copied number). A row under the
//! same number whose name and birth date both differ is another child (a sibling's ID, and
//! the number made from it, typed on a brother's row) and stands alone, however alike
//! their IDs: the ID is the very thing that was copied.
//!
//! Rows that repeat another row of their registration field for field (an extract that
//! exported a row twice) are counted, not reported; a registration in school at two
//! schools is (`in_school_elsewhere`).

use std::hash::{Hash, Hasher};

use rayon::prelude::*;
use rustc_hash::FxHasher;

use crate::pipeline::normalize::Student;
use crate::pipeline::normalize::name_key::{same_family, simplified};
use crate::pipeline::normalize::values::StudentStatus;

/// Which row stands for each student row's registration.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Registrations {
    /// One bit per student row: set when the row follows another of its registration.
    follows: Vec<u64>,
    /// (standing row, following row) of every row that follows another, sorted.
    followers: Vec<(u32, u32)>,
    /// Followers that repeat an earlier row of their registration field for field.
    repeated: usize,
    /// (standing row, follower) of each registration in school at another school too: the
    /// first in-school follower at each school the standing row is not at, sorted.
    elsewhere: Vec<(u32, u32)>,
}

impl Registrations {
    /// Groups `students` into registrations; `in_school` tells which statuses count.
    pub fn new(students: &[Student], in_school: impl Fn(StudentStatus) -> bool + Sync) -> Self {
        let mut follows = vec![0u64; students.len().div_ceil(64)];
        let mut keyed: Vec<(u64, u32)> = students
            .par_iter()
            .enumerate()
            .filter(|(_, s)| groups(&s.student_no))
            .map(|(j, s)| (number_hash(&s.student_no), j as u32))
            .collect();
        keyed.par_sort_unstable();
        let groups: Vec<&[(u64, u32)]> = keyed
            .chunk_by(|a, b| a.0 == b.0)
            .filter(|g| g.len() > 1)
            .collect();
        let settled: Vec<Vec<(u32, u32)>> = groups
            .par_iter()
            .map(|group| {
                let mut rows: Vec<u32> = group.iter().map(|&(_, j)| j).collect();
                rows.sort_by(|&a, &b| {
                    let (x, y) = (&students[a as usize], &students[b as usize]);
                    (&x.student_no, preference(x, &in_school), x.line).cmp(&(
                        &y.student_no,
                        preference(y, &in_school),
                        y.line,
                    ))
                });
                follow(students, &rows)
            })
            .collect();
        // Each registration's followers stay in preference order, never in row order.
        let mut followers: Vec<(u32, u32)> = settled.into_iter().flatten().collect();
        followers.sort_by_key(|&(rep, _)| rep);
        for &(_, row) in &followers {
            follows[row as usize / 64] |= 1 << (row % 64);
        }
        let (repeated, elsewhere) = look_within(students, &followers, &in_school);
        Registrations {
            follows,
            followers,
            repeated,
            elsewhere,
        }
    }

    /// Whether row `j` stands for its registration.
    pub fn stands(&self, j: usize) -> bool {
        self.follows
            .get(j / 64)
            .is_none_or(|bits| bits >> (j % 64) & 1 == 0)
    }

    /// The rows that follow row `j` (none unless it stands for a registration of several).
    pub fn followers_of(&self, j: usize) -> impl Iterator<Item = usize> + '_ {
        let start = self.followers.partition_point(|&(r, _)| (r as usize) < j);
        self.followers[start..]
            .iter()
            .take_while(move |&&(r, _)| r as usize == j)
            .map(|&(_, row)| row as usize)
    }

    /// Every (standing row, following row), by standing row.
    pub fn pairs(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.followers
            .iter()
            .map(|&(r, j)| (r as usize, j as usize))
    }

    /// Rows that follow another.
    pub fn followers(&self) -> usize {
        self.followers.len()
    }

    /// Rows that repeat an earlier row of their registration field for field.
    pub fn repeated(&self) -> usize {
        self.repeated
    }

    /// The in-school rows of registration `j` at schools other than its standing row's:
    /// one number in school at two schools (a ghost enrolment, 人籍分离).
    pub fn in_school_elsewhere(&self, j: usize) -> impl Iterator<Item = usize> + '_ {
        let start = self.elsewhere.partition_point(|&(r, _)| (r as usize) < j);
        self.elsewhere[start..]
            .iter()
            .take_while(move |&&(r, _)| r as usize == j)
            .map(|&(_, row)| row as usize)
    }
}

/// Of the `followers` (sorted by standing row, each registration's in preference order):
/// how many repeat an earlier row of their registration field for field, and the
/// (standing row, follower) of the first in-school row at each other school of an
/// in-school registration.
fn look_within(
    students: &[Student],
    followers: &[(u32, u32)],
    in_school: &impl Fn(StudentStatus) -> bool,
) -> (usize, Vec<(u32, u32)>) {
    let mut repeated = 0;
    let mut elsewhere = Vec::new();
    for group in followers.chunk_by(|a, b| a.0 == b.0) {
        let rep = group[0].0;
        let mut rows = vec![rep];
        let standing = &students[rep as usize];
        // A registration whose standing row names no school is in school nowhere in
        // particular: no second school can be told from it.
        let known = in_school(standing.status) && !standing.school_code.is_empty();
        let mut schools = vec![&standing.school_code];
        for &(_, j) in group {
            let s = &students[j as usize];
            if rows.iter().any(|&r| same_fields(&students[r as usize], s)) {
                repeated += 1;
                continue;
            }
            rows.push(j);
            let at_school = in_school(s.status) && !s.school_code.is_empty();
            if at_school && known && !schools.contains(&&s.school_code) {
                schools.push(&s.school_code);
                elsewhere.push((rep, j));
            }
        }
    }
    (repeated, elsewhere)
}

/// Whether two rows are the same row exported twice: every field alike but the line.
fn same_fields(a: &Student, b: &Student) -> bool {
    Student {
        line: b.line,
        ..a.clone()
    } == *b
}

/// Whether a student number is specific enough to group rows by.
fn groups(student_no: &str) -> bool {
    let mut chars = student_no.chars();
    let first = chars.next();
    student_no.chars().count() >= 6 && chars.any(|c| Some(c) != first)
}

fn number_hash(student_no: &str) -> u64 {
    let mut h = FxHasher::default();
    student_no.hash(&mut h);
    h.finish()
}

/// The order in which a registration's rows stand for it: in school first, then by status,
/// then a row naming its school, then by content, so that the choice never depends on row
/// order.
fn preference<'s>(s: &'s Student, in_school: &impl Fn(StudentStatus) -> bool) -> impl Ord + 's {
    (
        (!in_school(s.status), s.status),
        (
            s.school_code.is_empty(),
            &s.school_code,
            &s.grade,
            &s.id.text,
            &s.name,
        ),
        (s.birth, s.sex, &s.school_division),
    )
}

/// Rows (one student number, best first) that follow an earlier row plausibly of the same
/// child: (standing row, follower).
fn follow(students: &[Student], rows: &[u32]) -> Vec<(u32, u32)> {
    let mut standing: Vec<(u32, String)> = Vec::new();
    let mut out = Vec::new();
    for &j in rows {
        let s = &students[j as usize];
        let name = simplified(&s.name);
        let same = standing.iter().find(|(r, rname)| {
            let rep = &students[*r as usize];
            let same_surname = same_family(rname, &name);
            rep.student_no == s.student_no
                && (*rname == name || (same_surname && same_birth(rep, s)))
        });
        match same {
            Some(&(rep, _)) => out.push((rep, j)),
            None => standing.push((j, name)),
        }
    }
    out
}

/// Whether two rows give the same birth date, and not two different usable IDs: twins (or
/// any two children born the same day) under one copied number each keep their own ID.
fn same_birth(a: &Student, b: &Student) -> bool {
    let two_ids = a.id.class.is_usable() && b.id.class.is_usable() && a.id.text != b.id.text;
    a.birth.is_some() && a.birth == b.birth && !two_ids
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::normalize::id::parse_record_id;
    use crate::pipeline::normalize::values::Sex;

    fn row(line: u64, no: &str, name: &str, id: &str, status: StudentStatus) -> Student {
        Student {
            line,
            student_no: no.into(),
            id: parse_record_id(id),
            name: name.into(),
            sex: Sex::Male,
            birth: None,
            school_code: format!("S{line}").into(),
            school_division: "530102".into(),
            grade: "".into(),
            status,
        }
    }

    fn in_school(s: StudentStatus) -> bool {
        s == StudentStatus::InSchool
    }

    #[test]
    fn history_rows_follow_the_in_school_row_whatever_the_row_order() {
        use StudentStatus::*;
        let mut rows = vec![
            row(2, "G530102201203041234", "张伟", "", Graduated),
            row(3, "G530102201203041234", "张伟", "", InSchool),
            row(4, "G530102201203041234", "張偉", "", TransferredOut),
            row(5, "J5301020000001", "李强", "", InSchool),
        ];
        for _ in 0..2 {
            let r = Registrations::new(&rows, in_school);
            let rep = (0..rows.len()).find(|&j| rows[j].line == 3).unwrap();
            let stands: Vec<u64> = (0..rows.len())
                .filter(|&j| r.stands(j))
                .map(|j| rows[j].line)
                .collect();
            assert_eq!(stands.len(), 2);
            assert!(stands.contains(&3) && stands.contains(&5));
            assert_eq!(r.followers_of(rep).count(), 2);
            assert_eq!(r.followers(), 2);
            rows.reverse();
        }
    }

    #[test]
    fn another_child_under_the_same_number_stands_alone() {
        use StudentStatus::*;
        let rows = vec![
            row(2, "G530102201203041234", "张伟", "", InSchool),
            row(3, "G530102201203041234", "王芳", "", InSchool),
            row(4, "000000", "李强", "", InSchool),
            row(5, "000000", "李强", "", InSchool),
        ];
        let r = Registrations::new(&rows, in_school);
        assert!((0..4).all(|j| r.stands(j)));
    }

    fn born(mut s: Student, y: i32, m: u8, d: u8) -> Student {
        s.birth = crate::pipeline::normalize::date::Date::new(y, m, d);
        s
    }

    #[test]
    fn two_uyghur_children_of_one_birthday_under_one_number_are_told_by_the_fathers_name() {
        use StudentStatus::*;
        let no = "G650202201203290024";
        let rows = vec![
            born(row(2, no, "阿米娜·吐尔逊", "", InSchool), 2012, 3, 29),
            born(row(3, no, "阿依古丽·塔依尔", "", InSchool), 2012, 3, 29),
            // A changed given name under the same father's name joins.
            born(row(4, no, "阿依努尔·吐尔逊", "", Graduated), 2012, 3, 29),
        ];
        let r = Registrations::new(&rows, in_school);
        let stands: Vec<u64> = (0..3)
            .filter(|&j| r.stands(j))
            .map(|j| rows[j].line)
            .collect();
        assert_eq!(stands, vec![2, 3]);
    }

    #[test]
    fn twins_under_a_copied_number_stand_alone_and_a_renamed_child_joins() {
        use StudentStatus::*;
        let no = "G530102201305050029";
        let rows = vec![
            born(
                row(2, no, "张伟", "530102201305050029", InSchool),
                2013,
                5,
                5,
            ),
            born(
                row(3, no, "张强", "530102201305050010", InSchool),
                2013,
                5,
                5,
            ),
            born(row(4, no, "张子轩", "", Graduated), 2013, 5, 5),
            // Another surname, the same day, the same ID: a neighbouring county's child
            // whose number a typo (check recomputed) gave to this one.
            born(
                row(5, no, "王倩", "530102201305050029", InSchool),
                2013,
                5,
                5,
            ),
        ];
        let r = Registrations::new(&rows, in_school);
        // The twin with an ID of his own stands alone; the renamed row (no ID, same birth
        // date and surname) follows; the other surname stands alone.
        assert!(r.stands(0) && r.stands(1) && !r.stands(2) && r.stands(3));
    }

    #[test]
    fn a_second_school_is_found_and_a_repeated_row_or_a_blank_school_is_not() {
        use StudentStatus::*;
        let no = "G530102201305050029";
        let at = |line, school: &str| {
            let mut s = row(line, no, "张伟", "", InSchool);
            s.school_code = school.into();
            s
        };
        let rows = vec![at(2, "S1"), at(3, "S1"), at(4, "S2"), at(5, "")];
        let r = Registrations::new(&rows, in_school);
        assert_eq!(r.repeated(), 1);
        let elsewhere: Vec<u64> = r.in_school_elsewhere(0).map(|j| rows[j].line).collect();
        assert_eq!(elsewhere, [4], "standing row 2 at S1, row 4 at S2");
        // A row naming no school neither stands before one that does nor is a second
        // school.
        let rows = vec![at(2, ""), at(3, "S2")];
        let r = Registrations::new(&rows, in_school);
        assert!(r.stands(1) && !r.stands(0));
        assert_eq!(r.in_school_elsewhere(1).count(), 0);
    }
}
