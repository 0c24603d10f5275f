//! Amounts of money as people read them: in full with thousands separators, or compact
//! ("12.3k EUR") in tables, charts and the command line.

/// A full amount with thousands separators: "12,345 EUR".
pub fn money(amount: f64, currency: &str) -> String {
    if !amount.is_finite() {
        return format!("n/a {currency}");
    }
    let digits = format!("{:.0}", amount.abs());
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if amount < 0.0 && digits != "0" {
        grouped.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{grouped} {currency}")
}

/// A compact amount: "950 EUR", "12.3k EUR", "1.2M EUR", "3B EUR".
pub fn money_short(amount: f64, currency: &str) -> String {
    if !amount.is_finite() {
        return format!("n/a {currency}");
    }
    let sign = if amount < 0.0 { "-" } else { "" };
    let a = amount.abs();
    if a.round() < 1000.0 {
        let whole = format!("{a:.0}");
        let sign = if whole == "0" { "" } else { sign };
        return format!("{sign}{whole} {currency}");
    }
    const UNITS: [(f64, &str); 4] = [(1e3, "k"), (1e6, "M"), (1e9, "B"), (1e12, "T")];
    for (k, &(unit, suffix)) in UNITS.iter().enumerate() {
        let v = a / unit;
        let text = if v >= 99.95 {
            format!("{v:.0}")
        } else {
            format!("{v:.1}")
        };
        // 999.6k rounds to 1000k: say 1M instead (the largest unit keeps its digits).
        if text.parse::<f64>().unwrap_or(0.0) < 1000.0 || k == UNITS.len() - 1 {
            let text = text.strip_suffix(".0").unwrap_or(&text);
            return format!("{sign}{text}{suffix} {currency}");
        }
    }
    unreachable!("the last unit always returns")
}
