//! Selection, scrolling, sorting and filtering of one table view. The selection follows the
//! object, not the row number, so updates never move it to a different pod.

use super::cluster::ObjKey;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableState {
    pub selected: usize,
    pub offset: usize,
    pub selected_key: Option<ObjKey>,
    pub sort_column: usize,
    pub reverse: bool,
    pub filter: Filter,
    /// The person moved the selection: from then on it follows its object when rows move.
    /// Until then it stays on the first row (a new event arriving on top is what they should
    /// see first, not the one that was first when the view opened).
    pub moved: bool,
}

/// What `/` typed: words matched against the row's text, or `-l key=value[,key=value]` labels.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// As typed (the alerts view reads Alertmanager matchers from it).
    pub raw: String,
    pub text: String,
    pub labels: Vec<(String, String)>,
}

impl Filter {
    pub fn parse(input: &str) -> Filter {
        let input = input.trim();
        if let Some(selector) = input.strip_prefix("-l").map(str::trim) {
            let labels = selector
                .split(',')
                .filter_map(|pair| pair.split_once('='))
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .collect();
            return Filter {
                raw: input.to_string(),
                text: String::new(),
                labels,
            };
        }
        Filter {
            raw: input.to_string(),
            text: input.to_lowercase(),
            labels: Vec::new(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty() && self.labels.is_empty()
    }

    /// True when `haystack` contains the text (case-insensitive) and `labels` has every pair.
    pub fn matches(
        &self,
        haystack: &str,
        labels: Option<&std::collections::BTreeMap<String, String>>,
    ) -> bool {
        let text_ok = self.text.is_empty() || haystack.to_lowercase().contains(&self.text);
        let labels_ok = self
            .labels
            .iter()
            .all(|(k, v)| labels.and_then(|l| l.get(k)).is_some_and(|have| have == v));
        text_ok && labels_ok
    }

    /// As typed, for the title bar.
    pub fn describe(&self) -> String {
        if self.labels.is_empty() {
            self.raw.clone()
        } else {
            let pairs: Vec<String> = self
                .labels
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            format!("-l {}", pairs.join(","))
        }
    }
}

/// A table's rows as keys, asked for one at a time: with 10,000 rows, building every key on
/// each change (or each key press) was most of the cost of a refresh.
pub trait RowKeys {
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    fn key(&self, index: usize) -> Option<ObjKey>;
    /// Whether the row at `index` has `key` (without building the row's key when it can).
    fn is(&self, index: usize, key: &ObjKey) -> bool {
        self.key(index).as_ref() == Some(key)
    }
}

impl RowKeys for [ObjKey] {
    fn len(&self) -> usize {
        <[ObjKey]>::len(self)
    }

    fn key(&self, index: usize) -> Option<ObjKey> {
        self.get(index).cloned()
    }

    fn is(&self, index: usize, key: &ObjKey) -> bool {
        self.get(index) == Some(key)
    }
}

impl TableState {
    /// After the rows changed: find the selected object again (or stay at the same index when
    /// it is gone), and keep it on screen.
    pub fn reselect(&mut self, keys: &(impl RowKeys + ?Sized), page: usize) {
        if let Some(key) = self.selected_key.as_ref().filter(|_| self.moved) {
            // Most changes leave the selection where it was: look there first.
            let found = if keys.is(self.selected, key) {
                Some(self.selected)
            } else {
                (0..keys.len()).find(|i| keys.is(*i, key))
            };
            if let Some(i) = found {
                self.selected = i;
            }
        }
        self.clamp(keys, page);
    }

    pub fn move_by(&mut self, delta: isize, keys: &(impl RowKeys + ?Sized), page: usize) {
        let last = keys.len().saturating_sub(1) as isize;
        self.selected = (self.selected as isize + delta).clamp(0, last.max(0)) as usize;
        self.moved = true;
        self.clamp(keys, page);
    }

    /// `pgdn`/`pgup`: the rows and the cursor move by a page less one row, so the last row
    /// seen stays on screen as the first (or the first as the last).
    pub fn page_by(&mut self, pages: isize, keys: &(impl RowKeys + ?Sized), page: usize) {
        let step = page.saturating_sub(1).max(1) as isize * pages;
        let len = keys.len();
        let last_offset = len.saturating_sub(page.max(1)) as isize;
        self.offset = (self.offset as isize + step).clamp(0, last_offset.max(0)) as usize;
        let last = len.saturating_sub(1) as isize;
        self.selected = (self.selected as isize + step).clamp(0, last.max(0)) as usize;
        self.moved = true;
        self.clamp(keys, page);
    }

    pub fn move_to(&mut self, index: usize, keys: &(impl RowKeys + ?Sized), page: usize) {
        self.selected = index;
        self.moved = true;
        self.clamp(keys, page);
    }

    fn clamp(&mut self, keys: &(impl RowKeys + ?Sized), page: usize) {
        let page = page.max(1);
        let len = keys.len();
        self.selected = self.selected.min(len.saturating_sub(1));
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + page {
            self.offset = self.selected + 1 - page;
        }
        self.offset = self.offset.min(len.saturating_sub(page));
        self.selected_key = keys.key(self.selected);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(n: usize) -> Vec<ObjKey> {
        (0..n)
            .map(|i| ("ns".to_string(), format!("pod-{i:03}")))
            .collect()
    }

    #[test]
    fn selection_follows_the_object_when_rows_move() {
        let mut t = TableState::default();
        let rows = keys(10);
        t.move_to(5, rows.as_slice(), 4);
        assert_eq!(t.selected_key.as_ref().unwrap().1, "pod-005");
        assert_eq!(t.offset, 2);
        // Two rows above it disappear: same pod, new index.
        let fewer: Vec<ObjKey> = rows
            .iter()
            .filter(|k| k.1 != "pod-001" && k.1 != "pod-002")
            .cloned()
            .collect();
        t.reselect(fewer.as_slice(), 4);
        assert_eq!(t.selected, 3);
        assert_eq!(t.selected_key.as_ref().unwrap().1, "pod-005");
    }

    #[test]
    fn until_the_person_moves_the_cursor_it_stays_on_the_first_row() {
        let mut t = TableState::default();
        let rows = keys(5);
        t.reselect(rows.as_slice(), 4);
        assert_eq!(t.selected_key.as_ref().unwrap().1, "pod-000");
        // A newer row arrives on top (events, newest first): the cursor shows it.
        let mut newer = vec![("ns".to_string(), "pod-new".to_string())];
        newer.extend(rows.iter().cloned());
        t.reselect(newer.as_slice(), 4);
        assert_eq!(
            (t.selected, t.selected_key.as_ref().unwrap().1.as_str()),
            (0, "pod-new")
        );
        // Once moved, it follows its object.
        t.move_by(1, newer.as_slice(), 4);
        let mut newest = vec![("ns".to_string(), "pod-newest".to_string())];
        newest.extend(newer.iter().cloned());
        t.reselect(newest.as_slice(), 4);
        assert_eq!(t.selected_key.as_ref().unwrap().1, "pod-000");
        assert_eq!(t.selected, 2);
    }

    #[test]
    fn a_page_key_moves_a_page_less_one_row() {
        let mut t = TableState::default();
        let rows = keys(100);
        t.page_by(1, rows.as_slice(), 10);
        assert_eq!(
            (t.offset, t.selected),
            (9, 9),
            "row 9 was the last seen, now the first"
        );
        t.page_by(1, rows.as_slice(), 10);
        assert_eq!((t.offset, t.selected), (18, 18));
        t.page_by(-1, rows.as_slice(), 10);
        assert_eq!((t.offset, t.selected), (9, 9));
        for _ in 0..20 {
            t.page_by(1, rows.as_slice(), 10);
        }
        assert_eq!(
            (t.offset, t.selected),
            (90, 99),
            "the end: a full last page"
        );
        t.page_by(-20, rows.as_slice(), 10);
        assert_eq!((t.offset, t.selected), (0, 0));
    }

    #[test]
    fn filters_parse_text_and_labels() {
        let f = Filter::parse("-l app=backend, tier=api");
        assert_eq!(
            f.labels,
            vec![
                ("app".into(), "backend".into()),
                ("tier".into(), "api".into())
            ]
        );
        let labels = [
            ("app".to_string(), "backend".to_string()),
            ("tier".to_string(), "api".to_string()),
        ]
        .into_iter()
        .collect();
        assert!(f.matches("anything", Some(&labels)));
        assert!(!f.matches("anything", None));
        assert!(Filter::parse("Crash").matches("ms5-worker CrashLoopBackOff", None));
    }
}
