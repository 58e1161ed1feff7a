//! The live board view: LEDs, LCD, buttons, event log and board time, drawn with ratatui.
//!
//! Single-threaded: the board's pacer (called whenever board time is about to move) sleeps until
//! wall time catches up, reading keys and redrawing meanwhile. A key press becomes a stimulus at
//! the current board time, so the scheduler sees it exactly as it would see a scripted one.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::error::Error;
use std::rc::Rc;
use std::time::Duration;

use crossterm::event::{self, Event as TermEvent, KeyCode, KeyEventKind, KeyModifiers};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui::{DefaultTerminal, Frame};
use usched::Instant;

use crate::demo::{Demo, DemoResult, LED_COLOURS};

/// The smallest terminal the view fits in.
const MIN_W: u16 = 60;
const MIN_H: u16 = 16;
/// How long a key tap holds a button down.
const TAP: Duration = Duration::from_millis(150);
const FRAME: Duration = Duration::from_millis(33);
const LOG_CAP: usize = 1_000;

/// Restores the terminal however the view ends (ratatui's panic hook covers panics).
struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        ratatui::restore();
    }
}

struct View {
    name: String,
    term: DefaultTerminal,
    start: std::time::Instant,
    last_draw: Option<std::time::Instant>,
    quit: bool,
    note: Option<(String, std::time::Instant)>,
    footer: Option<String>,
}

fn board_wall(start: std::time::Instant) -> Instant {
    Instant::from_micros(u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX))
}

pub(crate) fn run(
    name: &str,
    d: &'static Demo,
    demo: fn(&'static Demo) -> DemoResult,
) -> Result<(), Box<dyn Error>> {
    let (w, h) = crossterm::terminal::size()?;
    if w < MIN_W || h < MIN_H {
        return Err(format!(
            "the terminal is {w}x{h}, the board view needs at least {MIN_W}x{MIN_H}; \
             make it bigger or run with --headless"
        )
        .into());
    }
    let log = Rc::new(RefCell::new(VecDeque::<String>::new()));
    let l = log.clone();
    d.board.set_sink(Some(Box::new(move |e| {
        let mut l = l.borrow_mut();
        if l.len() == LOG_CAP {
            l.pop_front();
        }
        l.push_back(e.to_string());
    })));
    let term = ratatui::try_init()?;
    let guard = Guard;
    let view = Rc::new(RefCell::new(View {
        name: name.to_string(),
        term,
        start: std::time::Instant::now(),
        last_draw: None,
        quit: false,
        note: None,
        footer: None,
    }));
    let (v, lg) = (view.clone(), log.clone());
    d.board.set_pacer(Some(Box::new(move |board, now, target| {
        let mut v = v.borrow_mut();
        loop {
            if v.quit {
                return target;
            }
            let wall = board_wall(v.start);
            if v.last_draw.is_none_or(|t| t.elapsed() >= FRAME) {
                let _ = v.draw(d, &lg.borrow(), now);
            }
            if wall >= target {
                return target;
            }
            let wait = (target - wall).min(FRAME);
            if !event::poll(wait).unwrap_or(false) {
                continue;
            }
            let Ok(TermEvent::Key(k)) = event::read() else { continue };
            if k.kind != KeyEventKind::Press {
                continue;
            }
            let at = board_wall(v.start).clamp(now, target);
            match k.code {
                KeyCode::Char('c') if k.modifiers.contains(KeyModifiers::CONTROL) => v.quit = true,
                KeyCode::Char('q') | KeyCode::Esc => v.quit = true,
                KeyCode::Char(c) => {
                    let hold = c.is_uppercase();
                    match d.buttons().into_iter().find(|b| b.key == c.to_ascii_lowercase()) {
                        Some(b) if hold && !b.pin.level() => board.release_at(at, &b.pin),
                        Some(b) if hold => board.press_at(at, &b.pin),
                        Some(b) => {
                            board.press_at(at, &b.pin);
                            board.release_at(at + TAP, &b.pin);
                        }
                        None => {
                            v.note = Some((format!("key '{c}' does nothing here"), std::time::Instant::now()))
                        }
                    }
                    return at;
                }
                _ => v.note = Some(("that key does nothing here".into(), std::time::Instant::now())),
            }
            if v.quit {
                d.print("quit from the keyboard");
                d.sched.stop_all();
                return target;
            }
        }
    })));

    let result = demo(d);
    d.board.set_pacer(None);
    if let Err(e) = &result {
        d.print(format!("error: {e}"));
    }
    let quit = view.borrow().quit;
    if !quit {
        // Leave the final board on screen until a key (or a few seconds) so it can be seen.
        let mut v = view.borrow_mut();
        v.footer = Some(format!("{name} finished: press any key to leave"));
        let end = std::time::Instant::now();
        while end.elapsed() < Duration::from_secs(5) {
            let _ = v.draw(d, &log.borrow(), d.board.now());
            if event::poll(Duration::from_millis(100)).unwrap_or(false) {
                if let Ok(TermEvent::Key(_)) = event::read() {
                    break;
                }
            }
        }
    }
    d.board.set_sink(None);
    drop(view);
    drop(guard);
    let log = log.borrow();
    let tail = log.len().saturating_sub(10);
    for line in log.iter().skip(tail) {
        println!("{line}");
    }
    println!("{name}: board time {} s (run with --headless for the whole trace)", secs(d.board.now()));
    Ok(())
}

fn secs(t: Instant) -> String {
    let us = t.as_micros();
    format!("{}.{:06}", us / 1_000_000, us % 1_000_000)
}

fn colour(name: &str) -> Color {
    match name {
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        _ => Color::Blue,
    }
}

impl View {
    fn draw(&mut self, d: &Demo, log: &VecDeque<String>, now: Instant) -> std::io::Result<()> {
        self.last_draw = Some(std::time::Instant::now());
        let note =
            self.note.as_ref().filter(|(_, t)| t.elapsed() < Duration::from_secs(2)).map(|(n, _)| n.clone());
        let (name, footer) = (self.name.clone(), self.footer.clone());
        self.term.draw(|f| render(f, d, &name, log, now, note.as_deref(), footer.as_deref()))?;
        Ok(())
    }
}

fn render(
    f: &mut Frame,
    d: &Demo,
    name: &str,
    log: &VecDeque<String>,
    now: Instant,
    note: Option<&str>,
    footer: Option<&str>,
) {
    let area = f.area();
    if area.width < MIN_W || area.height < MIN_H {
        let msg =
            format!("terminal too small ({}x{}): needs {MIN_W}x{MIN_H}; q quits", area.width, area.height);
        f.render_widget(Paragraph::new(msg), area);
        return;
    }
    let lcd = d.display();
    let lcd_rows = lcd.as_ref().map_or(0, |l| l.size().1 as u16);
    let panels = d.panels();
    let [title, top, panels_area, lcd_area, events, keys] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(3),
        Constraint::Length(if panels.is_empty() { 0 } else { 3 }),
        Constraint::Length(if lcd_rows > 0 { lcd_rows + 2 } else { 0 }),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);

    let bold = Style::new().add_modifier(Modifier::BOLD);
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(format!(" usched · {name} "), bold.fg(Color::Cyan)),
            Span::raw(format!("  board time {:>12} s", secs(now))),
        ])),
        title,
    );

    let [leds_area, buttons_area] =
        Layout::horizontal([Constraint::Length(38), Constraint::Min(20)]).areas(top);
    let mut spans = vec![Span::raw(" ")];
    for (pin, c) in d.leds.iter().zip(LED_COLOURS) {
        let on = pin.level();
        let style = if on { bold.fg(colour(c)) } else { Style::new().fg(Color::DarkGray) };
        spans.push(Span::styled(if on { "● " } else { "○ " }, style));
        spans.push(Span::styled(format!("{c} "), style));
    }
    f.render_widget(Paragraph::new(Line::from(spans)).block(Block::bordered().title(" LEDs ")), leds_area);

    let buttons = d.buttons();
    let mut spans = vec![Span::raw(" ")];
    for b in &buttons {
        let pressed = b.pin.level() != b.pin.idle_level();
        spans.push(Span::styled(format!("[{}] ", b.key), bold));
        spans.push(Span::styled(
            format!("{} {}  ", b.pin.name(), if pressed { "▼ down" } else { "▲ up" }),
            if pressed { bold.fg(Color::Magenta) } else { Style::new() },
        ));
    }
    if buttons.is_empty() {
        spans.push(Span::raw("none"));
    }
    f.render_widget(
        Paragraph::new(Line::from(spans)).block(Block::bordered().title(" Buttons ")),
        buttons_area,
    );

    if !panels.is_empty() {
        let areas = Layout::horizontal(panels.iter().map(|_| Constraint::Fill(1))).split(panels_area);
        for ((title, pins), area) in panels.iter().zip(areas.iter()) {
            let mut spans = vec![Span::raw(" ")];
            for pin in pins {
                let on = pin.level();
                let style = if on { bold.fg(Color::Green) } else { Style::new().fg(Color::DarkGray) };
                spans.push(Span::styled(if on { "● " } else { "○ " }, style));
                spans.push(Span::styled(format!("{} ", pin.name()), style));
            }
            f.render_widget(
                Paragraph::new(Line::from(spans)).block(Block::bordered().title(format!(" {title} "))),
                *area,
            );
        }
    }

    if let Some(lcd) = lcd {
        let (cols, _) = lcd.size();
        let w = (cols as u16 + 2).min(lcd_area.width);
        let rect = Rect { width: w, ..lcd_area };
        let lines: Vec<Line> = lcd
            .rows()
            .into_iter()
            .map(|r| {
                Line::styled(
                    if lcd.display_on() { r } else { " ".repeat(cols) },
                    Style::new().fg(Color::Black).bg(Color::Green),
                )
            })
            .collect();
        f.render_widget(Paragraph::new(lines).block(Block::bordered().title(" LCD ")), rect);
    }

    let rows = events.height.saturating_sub(2) as usize;
    let skip = log.len().saturating_sub(rows);
    let lines: Vec<Line> = log.iter().skip(skip).map(|l| Line::raw(l.as_str())).collect();
    f.render_widget(Paragraph::new(lines).block(Block::bordered().title(" Events ")), events);

    let mut help = String::from(" q/Esc/Ctrl-C quit");
    if !buttons.is_empty() {
        help.push_str(" · a button's key taps it, Shift+key holds/lets go");
    }
    let text = footer.map(str::to_string).or(note.map(|n| format!(" {n}"))).unwrap_or(help);
    f.render_widget(Paragraph::new(Span::styled(text, Style::new().fg(Color::DarkGray))), keys);
}

/// Draws the board view of `d` once into a `width` × `height` text grid (no terminal needed),
/// with `log` as the event lines: what the live view would show, for tests and bug reports.
///
/// ```
/// let d = usched_demos::Demo::new(false);
/// d.leds[2].set(true);
/// let screen = usched_demos::board_snapshot("demo", d, &["  0.000000 led yellow on".into()], 80, 24);
/// assert!(screen.contains("● yellow"));
/// assert!(screen.contains("  0.000000 led yellow on"));
/// assert!(screen.contains("[u] USR"));
/// ```
pub fn board_snapshot(name: &str, d: &Demo, log: &[String], width: u16, height: u16) -> String {
    let backend = ratatui::backend::TestBackend::new(width, height);
    let Ok(mut term) = ratatui::Terminal::new(backend);
    let log: VecDeque<String> = log.iter().cloned().collect();
    let now = d.board.now();
    if term.draw(|f| render(f, d, name, &log, now, None, None)).is_err() {
        return String::new();
    }
    let buf = term.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}
