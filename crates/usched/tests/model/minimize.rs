//! Makes a failing program smaller: proptest's shrinking gets stuck on programs (dropping a
//! script renumbers the ones after it, and with them every spawn and target), so after it a
//! greedy pass tries simpler programs one change at a time and keeps any that still fails.

use super::program::*;

/// The smallest program reachable from `prog` by single steps that each keep `fails` true.
pub fn minimize(mut prog: Program, fails: impl Fn(&Program) -> bool) -> Program {
    'outer: loop {
        for candidate in simpler(&prog) {
            if fails(&candidate) {
                prog = candidate;
                continue 'outer;
            }
        }
        return prog;
    }
}

/// Every program one step simpler than `prog`, roughly the biggest steps first.
fn simpler(prog: &Program) -> Vec<Program> {
    let mut out = Vec::new();
    // Drop a whole script: spawns of it go, spawns of later ones are renumbered.
    for j in 0..prog.scripts.len() {
        let initial = if j < prog.initial { prog.initial - 1 } else { prog.initial };
        if prog.scripts.len() == 1 || initial == 0 {
            continue;
        }
        let mut p = prog.clone();
        p.scripts.remove(j);
        p.initial = initial;
        for s in &mut p.scripts {
            s.ops.retain(|op| *op != Op::Spawn(j));
            for op in &mut s.ops {
                if let Op::Spawn(k) = op {
                    if *k > j {
                        *k -= 1;
                    }
                }
            }
        }
        out.push(p);
    }
    if prog.initial > 1 {
        let mut p = prog.clone();
        p.initial -= 1;
        out.push(p);
    }
    // Drop one op.
    for j in 0..prog.scripts.len() {
        for o in 0..prog.scripts[j].ops.len() {
            let mut p = prog.clone();
            p.scripts[j].ops.remove(o);
            out.push(p);
        }
    }
    // Make one op or one poller simpler.
    for j in 0..prog.scripts.len() {
        for o in 0..prog.scripts[j].ops.len() {
            for op in simpler_op(prog.scripts[j].ops[o]) {
                let mut p = prog.clone();
                p.scripts[j].ops[o] = op;
                out.push(p);
            }
        }
        let poller = prog.scripts[j].poller;
        let mut easier = Vec::new();
        if poller.timeout.is_some() {
            easier.push(PollerSpec { timeout: None, ..poller });
        }
        if poller.fires != Fires::Never {
            easier.push(PollerSpec { fires: Fires::Never, ..poller });
        }
        for spec in easier {
            let mut p = prog.clone();
            p.scripts[j].poller = spec;
            out.push(p);
        }
    }
    if prog.poll_every != 50 && prog.poll_every != 0 {
        out.push(Program { poll_every: 50, ..prog.clone() });
    }
    // Keep the generator's rule on spawns.
    out.into_iter().map(normalize).collect()
}

fn simpler_target(t: Target) -> Vec<Target> {
    match t {
        Target::Task(k) if k > 0 => vec![Target::Task(0), Target::Task(k - 1)],
        _ => vec![],
    }
}

fn simpler_op(op: Op) -> Vec<Op> {
    let mut out = Vec::new();
    match op {
        Op::Sleep(d) if d > 0 => out.push(Op::Sleep(0)),
        Op::SleepMax | Op::SleepUntil(_) => out.push(Op::Sleep(0)),
        Op::Work(d) if d > 1 => out.push(Op::Work(1)),
        Op::Irq { line, timeout: Some(t) } if t > 0 => out.push(Op::Irq { line, timeout: Some(0) }),
        Op::Irq { line, .. } if line > 0 => out.push(Op::Irq { line: 0, timeout: None }),
        Op::Signal { line, n } if n > 1 => out.push(Op::Signal { line, n: 1 }),
        Op::PollSameDeadline => out.push(Op::Poll),
        Op::Pause(t) => out.extend(simpler_target(t).into_iter().map(Op::Pause)),
        Op::Resume(t) => out.extend(simpler_target(t).into_iter().map(Op::Resume)),
        Op::Stop(t) => out.extend(simpler_target(t).into_iter().map(Op::Stop)),
        Op::Status(t) => out.extend(simpler_target(t).into_iter().map(Op::Status)),
        Op::Join(t) => out.extend(simpler_target(t).into_iter().map(Op::Join)),
        Op::Timeout { limit, inner } => {
            if limit > 0 {
                out.push(Op::Timeout { limit: 0, inner });
            }
            if let Inner::Sleep(d) = inner {
                if d > 0 {
                    out.push(Op::Timeout { limit, inner: Inner::Sleep(0) });
                }
            }
        }
        _ => {}
    }
    out
}
