//! Kubernetes resource quantities (`32863440Ki`, `3920m`, `4`, `1.5Gi`, `1e3`) read into numbers
//! and written back in the units a person reads: memory in binary units with one decimal
//! (`31.3Gi`), CPU in cores (`3.9 cores`) or, below one core, millicores (`250m`).

/// The quantity's value in base units (bytes, cores); None when it is not a quantity.
pub fn parse(text: &str) -> Option<f64> {
    let text = text.trim();
    let split = text
        .find(|c: char| c.is_ascii_alphabetic() && c != 'e' && c != 'E')
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let factor = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        _ => return None,
    };
    Some(number * factor)
}

/// Bytes in the largest binary unit that keeps the number at least 1: `31.3Gi`, `512Mi`.
pub fn bytes(value: f64) -> String {
    const UNITS: [&str; 6] = ["", "Ki", "Mi", "Gi", "Ti", "Pi"];
    let mut value = value.max(0.0);
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    // One allocation: this is drawn for every visible pod on every frame.
    if unit == 0 || value >= 100.0 || value.fract() < 0.05 {
        format!("{value:.0}{}", UNITS[unit])
    } else {
        format!("{value:.1}{}", UNITS[unit])
    }
}

/// Cores: `3.9 cores`, `1 core`, or millicores below one core (`250m`).
pub fn cores(value: f64) -> String {
    let value = value.max(0.0);
    if value < 1.0 {
        return format!("{:.0}m", value * 1000.0);
    }
    let number = if (value - value.round()).abs() < 0.05 {
        format!("{:.0}", value.round())
    } else {
        format!("{value:.1}")
    };
    let unit = if number == "1" { "core" } else { "cores" };
    format!("{number} {unit}")
}

/// Cores as a request is written (`2`, `1.5`, `250m`): short, for a column of requests.
pub fn cores_compact(value: f64) -> String {
    let value = value.max(0.0);
    if value < 1.0 {
        format!("{:.0}m", value * 1000.0)
    } else if (value - value.round()).abs() < 0.005 {
        format!("{:.0}", value.round())
    } else {
        format!("{value:.1}")
    }
}

/// A memory quantity as a person reads it; the text as given when it is not a quantity.
pub fn memory_text(quantity: &str) -> String {
    parse(quantity).map_or_else(|| quantity.to_string(), bytes)
}

/// A CPU quantity as a person reads it; the text as given when it is not a quantity.
pub fn cpu_text(quantity: &str) -> String {
    parse(quantity).map_or_else(|| quantity.to_string(), cores)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_read_and_written_in_human_units() {
        assert_eq!(parse("32863440Ki"), Some(32863440.0 * 1024.0));
        assert_eq!(parse("3920m"), Some(3.92));
        assert_eq!(parse("1e3"), Some(1000.0));
        assert_eq!(parse("1.5Gi"), Some(1.5 * 1024f64.powi(3)));
        assert_eq!(parse("12Q"), None);
        assert_eq!(memory_text("32863440Ki"), "31.3Gi");
        assert_eq!(memory_text("512Mi"), "512Mi");
        assert_eq!(memory_text("1536Mi"), "1.5Gi");
        assert_eq!(memory_text("980Ki"), "980Ki");
        assert_eq!(memory_text("garbage"), "garbage");
        assert_eq!(cpu_text("3920m"), "3.9 cores");
        assert_eq!(cpu_text("4"), "4 cores");
        assert_eq!(cpu_text("1"), "1 core");
        assert_eq!(cpu_text("250m"), "250m");
        assert_eq!(cpu_text("100000n"), "0m");
        assert_eq!(cores_compact(2.0), "2");
        assert_eq!(cores_compact(1.5), "1.5");
        assert_eq!(cores_compact(0.25), "250m");
    }
}
