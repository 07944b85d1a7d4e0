//! Spec prose as doc comments. Descriptions are loosely Markdown, written
//! for a web page: lists whose continuation lines are not indented (or too
//! much), tabs, indented blocks, fences with odd info strings, `<id>`
//! placeholders, `[text]` and bare URLs. Read as rustdoc Markdown they would
//! trip clippy's doc lints (`doc_lazy_continuation`,
//! `doc_overindented_list_items`, `tabs_in_doc_comments`, …), rustdoc's
//! (`bare_urls`, `broken_intra_doc_links`, `invalid_html_tags`), or become
//! doctests. [`doc_lines`] rewrites them into Markdown that reads the same
//! and that both accept.

/// Normalizes spec prose into doc comment lines (each with its leading
/// space; blank lines empty). Empty when the text is blank.
///
/// - Tabs become spaces (tab stops of 4); trailing blanks go.
/// - A list item (`-`, `*`, `+`, `1.`, `1)`) starts at its parent item's
///   content column (0 at the top), with one space after the marker; every
///   line that continues it, lazily or indented any amount, is indented by
///   exactly that column. Nesting and list ends follow the source's
///   indentation as Markdown reads it.
/// - Any other line starts at column 0 (or its item's column): there are no
///   indented code blocks, so no doctests.
/// - A fenced block becomes a `text` block (an info string that is not a
///   language name is kept as its first line); an unclosed one is closed.
/// - Inline: URLs become autolinks, `[text](http…)` links stay, other
///   brackets, `<` and unmatched backticks are escaped, a leading `>` too;
///   code spans are left as they are.
pub fn doc_lines(text: &str) -> Vec<String> {
    let lines: Vec<String> = text.lines().map(expand_tabs).collect();
    let common = lines
        .iter()
        .filter(|l| !l.is_empty())
        .map(|l| indentation(l))
        .min()
        .unwrap_or(0);
    let mut out = Markdown::default();
    for line in &lines {
        out.line(line.get(common..).unwrap_or_default());
    }
    out.finish()
}

/// Whether `text` already states the number `n` (as a number of its own,
/// `1,000` and `1000` alike): a constraint the description spells out is not
/// repeated in the generated note.
pub fn mentions_number(text: &str, n: f64) -> bool {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let starts = chars[i].is_ascii_digit()
            && (i == 0 || !(chars[i - 1].is_ascii_alphanumeric() || chars[i - 1] == '.'));
        if !starts {
            i += 1;
            continue;
        }
        let mut digits = String::new();
        while i < chars.len() {
            let c = chars[i];
            let next_digit = chars.get(i + 1).is_some_and(char::is_ascii_digit);
            if c.is_ascii_digit() {
                digits.push(c);
            } else if c == ',' && next_digit {
                // A thousands separator.
            } else if c == '.' && next_digit && !digits.contains('.') {
                digits.push(c);
            } else {
                break;
            }
            i += 1;
        }
        if digits.parse::<f64>().is_ok_and(|v| v == n) {
            return true;
        }
    }
    false
}

/// Whether `text` contains `needle`, ignoring ASCII case.
pub fn mentions(text: &str, needle: &str) -> bool {
    text.to_ascii_lowercase()
        .contains(&needle.to_ascii_lowercase())
}

/// `text` as an inline code span, fenced with enough backticks and padded
/// where its own backticks would close the span early.
pub fn code(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    if longest > 0 || text.trim() != text {
        format!("{fence} {text} {fence}")
    } else {
        format!("{fence}{text}{fence}")
    }
}

/// A list item being continued: where its content starts in the source and
/// in the output, and what kind of list it belongs to.
struct Item {
    source: usize,
    output: usize,
    /// The delimiter of an ordered list (`.` or `)`), `None` for bullets.
    ordered: Option<char>,
}

/// An open fenced code block: its fence character, length and indentation.
struct Fence {
    ch: char,
    len: usize,
    indent: usize,
}

#[derive(Default)]
struct Markdown {
    out: Vec<String>,
    items: Vec<Item>,
    fence: Option<Fence>,
    /// Whether the previous line ended a block (blank, start, or a fence):
    /// a line after it starts a new block rather than continuing one.
    block_start: bool,
    started: bool,
}

impl Markdown {
    fn line(&mut self, line: &str) {
        if !self.started {
            self.started = true;
            self.block_start = true;
        }
        if let Some(fence) = &self.fence {
            let indent = indentation(line);
            let rest = &line[indent..];
            let closes = rest.starts_with(&fence.ch.to_string().repeat(fence.len))
                && rest.chars().all(|c| c == fence.ch);
            if closes {
                self.out.push("```".to_owned());
                self.fence = None;
                self.block_start = true;
            } else {
                let strip = indent.min(fence.indent);
                self.out.push(line[strip..].to_owned());
            }
            return;
        }
        if line.is_empty() {
            self.out.push(String::new());
            self.block_start = true;
            return;
        }
        let indent = indentation(line);
        let content = &line[indent..];
        if let Some((ch, len, info)) = fence_open(content) {
            self.items.clear();
            self.out.push("```text".to_owned());
            let info = info.trim();
            let is_language = info
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+' | '.'));
            if !is_language {
                self.out.push(info.to_owned());
            }
            self.fence = Some(Fence { ch, len, indent });
            return;
        }
        if let Some(item) = list_item(content) {
            // Items this one is not nested in are done.
            let mut sibling = None;
            while self.items.last().is_some_and(|top| indent < top.source) {
                sibling = self.items.pop();
            }
            // An ordered list not starting at 1 cannot interrupt a paragraph
            // (it would be a lazy continuation): a blank line first.
            let continues =
                sibling.is_some_and(|s| s.ordered.is_some() && s.ordered == item.ordered);
            if item.ordered.is_some() && !item.starts_at_one && !self.block_start && !continues {
                self.out.push(String::new());
            }
            let column = self.items.last().map_or(0, |top| top.output);
            self.out.push(format!(
                "{}{} {}",
                " ".repeat(column),
                item.marker,
                escape_line(item.text)
            ));
            self.items.push(Item {
                source: indent + item.marker.len() + item.gap,
                output: column + item.marker.len() + 1,
                ordered: item.ordered,
            });
        } else {
            // After a blank line (or for a heading, which cannot continue a
            // paragraph) the indentation says which items still hold it;
            // otherwise it continues the innermost one.
            if self.block_start || is_heading(content) {
                while self.items.last().is_some_and(|top| indent < top.source) {
                    self.items.pop();
                }
            }
            let column = self.items.last().map_or(0, |top| top.output);
            self.out
                .push(format!("{}{}", " ".repeat(column), escape_line(content)));
        }
        self.block_start = false;
    }

    fn finish(mut self) -> Vec<String> {
        if self.fence.is_some() {
            self.out.push("```".to_owned());
        }
        let mut lines = Vec::new();
        for line in self.out {
            let line = line.trim_end();
            if line.is_empty() && lines.last().is_none_or(String::is_empty) {
                continue;
            }
            lines.push(if line.is_empty() {
                String::new()
            } else {
                format!(" {line}")
            });
        }
        while lines.last().is_some_and(String::is_empty) {
            lines.pop();
        }
        lines
    }
}

/// A line with tabs expanded to tab stops of 4, trailing blanks removed.
fn expand_tabs(line: &str) -> String {
    let mut out = String::new();
    let mut column = 0;
    for c in line.chars() {
        if c == '\t' {
            let n = 4 - column % 4;
            out.push_str(&" ".repeat(n));
            column += n;
        } else {
            out.push(c);
            column += 1;
        }
    }
    out.trim_end().to_owned()
}

fn indentation(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

fn is_heading(content: &str) -> bool {
    let hashes = content.len() - content.trim_start_matches('#').len();
    (1..=6).contains(&hashes) && matches!(content[hashes..].chars().next(), None | Some(' '))
}

/// The fence character, its length and the info string, if `content` opens
/// a fenced code block.
fn fence_open(content: &str) -> Option<(char, usize, &str)> {
    let ch = content.chars().next().filter(|c| matches!(c, '`' | '~'))?;
    let len = content.len() - content.trim_start_matches(ch).len();
    let info = &content[len..];
    // A backtick in the info string makes it inline code instead.
    (len >= 3 && !(ch == '`' && info.contains('`'))).then_some((ch, len, info))
}

struct ListItem<'a> {
    marker: &'a str,
    /// Spaces between the marker and the text, as Markdown counts them for
    /// the content column (more than 4: the text is indented code, so 1).
    gap: usize,
    text: &'a str,
    ordered: Option<char>,
    starts_at_one: bool,
}

/// A list item marker (`-`, `*`, `+`, up to 9 digits and `.` or `)`),
/// followed by a space and some text.
fn list_item(content: &str) -> Option<ListItem<'_>> {
    let digits = content.len()
        - content
            .trim_start_matches(|c: char| c.is_ascii_digit())
            .len();
    let (marker_len, ordered) = match content.as_bytes().first()? {
        b'-' | b'*' | b'+' => (1, None),
        _ if (1..=9).contains(&digits) => match content.as_bytes().get(digits)? {
            b'.' => (digits + 1, Some('.')),
            b')' => (digits + 1, Some(')')),
            _ => return None,
        },
        _ => return None,
    };
    let after = &content[marker_len..];
    let text = after.trim_start_matches(' ');
    let gap = after.len() - text.len();
    if gap == 0 || text.is_empty() {
        return None;
    }
    Some(ListItem {
        marker: &content[..marker_len],
        gap: if gap > 4 { 1 } else { gap },
        text,
        ordered,
        starts_at_one: content[..digits].trim_start_matches('0') == "1",
    })
}

/// One line of prose (no indentation) made safe inline, with what would
/// start a block quote escaped.
fn escape_line(content: &str) -> String {
    let escaped = escape_inline(content);
    if escaped.starts_with('>') {
        format!("\\{escaped}")
    } else {
        escaped
    }
}

/// Escapes what rustdoc would misread in running text; see [`doc_lines`].
fn escape_inline(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '`' => {
                let run = run_length(&chars, i, '`');
                match closing_run(&chars, i + run, run) {
                    Some(end) => {
                        out.extend(&chars[i..end + run]);
                        i = end + run;
                    }
                    None => {
                        out.push_str(&"\\`".repeat(run));
                        i += run;
                    }
                }
            }
            '\\' if chars.get(i + 1).is_some_and(char::is_ascii_punctuation) => {
                out.extend(&chars[i..i + 2]);
                i += 2;
            }
            '<' => match autolink(&chars, i) {
                Some(end) => {
                    out.extend(&chars[i..end]);
                    i = end;
                }
                None => {
                    out.push_str("\\<");
                    i += 1;
                }
            },
            '[' => match web_link(&chars, i) {
                Some((text_end, end)) => {
                    let inner: String = chars[i + 1..text_end].iter().collect();
                    out.push('[');
                    out.push_str(&escape_inline(&inner));
                    out.extend(&chars[text_end..end]);
                    i = end;
                }
                None => {
                    out.push_str("\\[");
                    i += 1;
                }
            },
            ']' => {
                out.push_str("\\]");
                i += 1;
            }
            _ => match url(&chars, i) {
                Some(end) => {
                    out.push('<');
                    out.extend(&chars[i..end]);
                    out.push('>');
                    i = end;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            },
        }
    }
    out
}

fn run_length(chars: &[char], from: usize, c: char) -> usize {
    chars[from..].iter().take_while(|x| **x == c).count()
}

/// Where a backtick run of exactly `run` starts, from `from` on.
fn closing_run(chars: &[char], from: usize, run: usize) -> Option<usize> {
    let mut i = from;
    while i < chars.len() {
        if chars[i] == '`' {
            let n = run_length(chars, i, '`');
            if n == run {
                return Some(i);
            }
            i += n;
        } else {
            i += 1;
        }
    }
    None
}

fn starts_with(chars: &[char], at: usize, s: &str) -> bool {
    let n = s.chars().count();
    chars
        .get(at..at + n)
        .is_some_and(|w| w.iter().copied().eq(s.chars()))
}

fn is_web(chars: &[char], at: usize) -> bool {
    starts_with(chars, at, "http://") || starts_with(chars, at, "https://")
}

/// The end (past `>`) of an autolink `<http…>` starting at `at`.
fn autolink(chars: &[char], at: usize) -> Option<usize> {
    if !is_web(chars, at + 1) {
        return None;
    }
    let len = chars[at + 1..]
        .iter()
        .position(|c| *c == '>' || *c == '<' || c.is_whitespace())?;
    (chars[at + 1 + len] == '>').then_some(at + len + 2)
}

/// A link to the web, `[text](http…)` at `at`: where the text ends (at
/// `]`) and the end of the link.
fn web_link(chars: &[char], at: usize) -> Option<(usize, usize)> {
    let text_len = chars[at + 1..]
        .iter()
        .position(|c| matches!(c, '[' | ']'))?;
    let text_end = at + 1 + text_len;
    if chars[text_end] != ']'
        || chars.get(text_end + 1) != Some(&'(')
        || !is_web(chars, text_end + 2)
    {
        return None;
    }
    let dest_len = chars[text_end + 2..]
        .iter()
        .position(|c| *c == ')' || *c == '<' || c.is_whitespace())?;
    let close = text_end + 2 + dest_len;
    (chars[close] == ')').then_some((text_end, close + 1))
}

/// The end of a bare URL starting at `at`, without trailing punctuation.
fn url(chars: &[char], at: usize) -> Option<usize> {
    if !is_web(chars, at) {
        return None;
    }
    let scheme = if chars[at + 4] == 's' { 8 } else { 7 };
    let mut end = at
        + chars[at..]
            .iter()
            .take_while(|c| c.is_ascii_graphic() && !matches!(c, '<' | '>' | '"' | '`' | '[' | ']'))
            .count();
    loop {
        let last = chars[end - 1];
        let open = chars[at..end].iter().filter(|c| **c == '(').count();
        let close = chars[at..end].iter().filter(|c| **c == ')').count();
        if matches!(
            last,
            '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '*' | '_' | '~'
        ) || (last == ')' && close > open)
        {
            end -= 1;
        } else {
            break;
        }
    }
    (end > at + scheme).then_some(end)
}

#[cfg(test)]
mod tests {
    use super::doc_lines;

    fn lines(text: &str) -> Vec<String> {
        doc_lines(text)
    }

    fn joined(text: &str) -> String {
        lines(text).join("\n")
    }

    #[test]
    fn lazy_list_continuations_are_indented_by_the_marker_width() {
        assert_eq!(
            joined("Format:\n- iam:domain::id. Where:\n“iam:domain::” is fixed.\n\n- org:path\n\nOther text.\n- 1: all\n- 2: one\nOnly 1 for now"),
            " Format:\n - iam:domain::id. Where:\n   “iam:domain::” is fixed.\n\n - org:path\n\n Other text.\n - 1: all\n - 2: one\n   Only 1 for now"
        );
        assert_eq!(
            joined("1. first\nmore\n10. tenth\nmore"),
            " 1. first\n    more\n 10. tenth\n     more"
        );
    }

    #[test]
    fn over_indented_continuations_and_nested_lists_are_normalized() {
        assert_eq!(
            joined("Rules:\n  -   not empty\n        really\n  - short\n      - nested\n            deep\n  - back"),
            " Rules:\n - not empty\n   really\n - short\n   - nested\n     deep\n - back"
        );
        // Markdown's rule: an item indented less than the content column is a
        // sibling, not a child.
        assert_eq!(joined("- a\n - b"), " - a\n - b");
    }

    #[test]
    fn a_paragraph_after_a_blank_line_ends_the_list_unless_indented() {
        assert_eq!(
            joined("- a\n\n  still a\n\nafter"),
            " - a\n\n   still a\n\n after"
        );
    }

    #[test]
    fn ordered_lists_not_starting_at_one_get_a_blank_line() {
        assert_eq!(
            joined("text\n2. two\n3. three"),
            " text\n\n 2. two\n 3. three"
        );
        assert_eq!(joined("- a\n2) b"), " - a\n\n 2) b");
        assert_eq!(joined("1. one\n2. two"), " 1. one\n 2. two");
    }

    #[test]
    fn indentation_and_tabs_never_make_code_blocks() {
        assert_eq!(
            joined("Title\n\n      indented\n\tTabbed\ttext\n\n    more"),
            " Title\n\n indented\n Tabbed  text\n\n more"
        );
        assert!(lines("a\tb").iter().all(|l| !l.contains('\t')));
    }

    #[test]
    fn fences_become_text_blocks() {
        assert_eq!(
            joined("Callback:\n```{\n    \"id\": 1\n}\n```\nafter"),
            " Callback:\n ```text\n {\n     \"id\": 1\n }\n ```\n after"
        );
        assert_eq!(joined("x\n```json\n[1]\n"), " x\n ```text\n [1]\n ```");
        // Inside the block nothing is escaped or re-indented.
        assert_eq!(
            joined("```\n- [a] <b>\n   c\n```"),
            " ```text\n - [a] <b>\n    c\n ```"
        );
    }

    #[test]
    fn urls_become_links_and_markdown_links_stay() {
        assert_eq!(
            joined("See https://example.com/a_(b). And http://x.org/{id}/y, please"),
            " See <https://example.com/a_(b)>. And <http://x.org/{id}/y>, please"
        );
        assert_eq!(
            joined("通过[查询详情](https://example.com/api/Show.html)查看结果。详见https://example.com。"),
            " 通过[查询详情](https://example.com/api/Show.html)查看结果。详见<https://example.com>。"
        );
        assert_eq!(joined("<https://example.com>"), " <https://example.com>");
        assert_eq!(
            joined("(see https://example.com)"),
            " (see <https://example.com>)"
        );
        assert_eq!(joined("http:// alone"), " http:// alone");
    }

    #[test]
    fn brackets_html_and_quotes_are_escaped_outside_code() {
        assert_eq!(
            joined("ims:<image ID> or [x] [^1] `a[0] <b>`"),
            " ims:\\<image ID> or \\[x\\] \\[^1\\] `a[0] <b>`"
        );
        assert_eq!(joined("> note\nmore"), " \\> note\n more");
        assert_eq!(joined("a ` b"), " a \\` b");
        assert_eq!(joined("already \\[escaped\\]"), " already \\[escaped\\]");
        assert_eq!(joined("- > quoted"), " - \\> quoted");
    }

    #[test]
    fn headings_end_lists() {
        assert_eq!(
            joined("- item\n## Usage ##\ntext"),
            " - item\n ## Usage ##\n text"
        );
    }

    #[test]
    fn blank_runs_collapse_and_blank_text_gives_nothing() {
        assert_eq!(lines("a\n\n\n\nb\n\n"), [" a", "", " b"]);
        assert!(lines("  \n\t\n").is_empty());
        assert!(lines("").is_empty());
    }

    #[test]
    fn numbers_and_words_are_found_in_prose() {
        use super::{mentions, mentions_number};
        let text = "1 to 100 IDs, each at most 1,000 characters; 0.5 s. v2 API";
        for n in [1.0, 100.0, 1000.0, 0.5] {
            assert!(mentions_number(text, n), "{n}");
        }
        // Digits inside words or decimals are not numbers of their own.
        assert!(!mentions_number(text, 2.0));
        assert!(!mentions_number(text, 5.0));
        assert!(!mentions_number("1~64个字符", 6.0));
        assert!(mentions_number("1~64个字符", 64.0));
        assert!(mentions("The Default value is TRUE.", "true"));
        assert!(!mentions("yes", "true"));
    }

    #[test]
    fn code_spans_survive_backticks() {
        use super::code;
        assert_eq!(code("^[a-z]+$"), "`^[a-z]+$`");
        assert_eq!(code("a`b"), "`` a`b ``");
        assert_eq!(code("``"), "``` `` ```");
    }

    #[test]
    fn common_indentation_is_removed() {
        assert_eq!(joined("    a\n    - b\n      c"), " a\n - b\n   c");
    }
}
