//! Value Change Dump output of every pin's history (see [`Board::write_vcd`](crate::Board::write_vcd)).

use std::io::{self, Write};

use vcd::{IdCode, TimescaleUnit, Value, Writer};

use crate::pin::PinState;

fn reference(name: &str) -> String {
    let r: String = name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    if r.is_empty() {
        "pin".to_string()
    } else {
        r
    }
}

pub(crate) fn write(pins: &[PinState], boards: &[String], w: impl Write) -> io::Result<()> {
    let mut v = Writer::new(w);
    v.timescale(1, TimescaleUnit::US)?;
    let mut ids: Vec<Option<IdCode>> = vec![None; pins.len()];
    for (b, board) in boards.iter().enumerate() {
        v.add_module(&if board.is_empty() { "board".to_string() } else { reference(board) })?;
        for (i, p) in pins.iter().enumerate() {
            if p.board == b {
                ids[i] = Some(v.add_wire(1, &reference(&p.name))?);
            }
        }
        v.upscope()?;
    }
    v.enddefinitions()?;
    let val = |l: bool| if l { Value::V1 } else { Value::V0 };
    v.timestamp(0)?;
    v.begin(vcd::SimulationCommand::Dumpvars)?;
    for (i, p) in pins.iter().enumerate() {
        if let Some(id) = ids[i] {
            v.change_scalar(id, val(p.initial))?;
        }
    }
    v.end()?;
    let mut changes: Vec<(u64, usize, bool)> = Vec::new();
    for (i, p) in pins.iter().enumerate() {
        changes.extend(p.history.iter().map(|&(t, l)| (t.as_micros(), i, l)));
    }
    changes.sort_by_key(|&(t, i, _)| (t, i)); // stable: a pin's changes at one time keep their order
    let mut last = 0;
    for (t, i, l) in changes {
        if t != last {
            v.timestamp(t)?;
            last = t;
        }
        if let Some(id) = ids[i] {
            v.change_scalar(id, val(l))?;
        }
    }
    v.flush()
}
