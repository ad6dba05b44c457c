//! The string visualizer: the value as text, as bytes (hex with offsets) or as bits (the view
//! GETBIT/SETBIT/BITCOUNT work on), with its length and encoding.

use yew::prelude::*;

use crate::app::key_browser::key_text;

/// Bytes shown at most in the hex and bit views.
const MAX_BYTES: usize = 1024;

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Text,
    Hex,
    Bits,
}

#[derive(Properties, PartialEq)]
pub struct StringVizProps {
    pub bytes: Vec<u8>,
    pub encoding: String,
}

#[function_component(StringViz)]
pub fn string_viz(props: &StringVizProps) -> Html {
    let mode = use_state(|| Mode::Text);
    let tab = |m: Mode, label: &'static str| {
        let mode2 = mode.clone();
        let onclick = Callback::from(move |_: MouseEvent| mode2.set(m));
        html! { <button class={classes!("seg", (*mode == m).then_some("on"))} {onclick} aria-pressed={(*mode == m).to_string()}>{ label }</button> }
    };
    let bytes = &props.bytes;
    let shown = &bytes[..bytes.len().min(MAX_BYTES)];
    let body = match *mode {
        Mode::Text => html! { <pre class="str-text">{ key_text(bytes) }</pre> },
        Mode::Hex => {
            let rows = shown.chunks(16).enumerate().map(|(i, row)| {
                let hex: Vec<String> = row.iter().map(|b| format!("{b:02x}")).collect();
                let ascii: String =
                    row.iter().map(|&b| if (0x20..0x7f).contains(&b) { b as char } else { '.' }).collect();
                html! {
                    <div class="hex-row">
                        <span class="off">{ format!("{:08x}", i * 16) }</span>
                        <span class="hex">{ hex.join(" ") }</span>
                        <span class="ascii">{ ascii }</span>
                    </div>
                }
            });
            html! { <div class="hex-view">{ for rows }</div> }
        }
        Mode::Bits => {
            let cells = shown.iter().enumerate().map(|(i, b)| {
                let bits = (0..8).map(|j| {
                    let on = b & (0x80 >> j) != 0;
                    html! { <span class={classes!("bit", on.then_some("on"))} title={format!("bit {}", i * 8 + j)}>{ if on { "1" } else { "0" } }</span> }
                });
                html! { <span class="byte" title={format!("byte {i}")}>{ for bits }</span> }
            });
            html! { <div class="bits-view">{ for cells }</div> }
        }
    };
    html! {
        <div class="viz-string">
            <div class="viz-meta">
                <span>{ format!("{} bytes", bytes.len()) }</span>
                <span>{ format!("encoding: {}", props.encoding) }</span>
                <span class="segs" role="group" aria-label="view">
                    { tab(Mode::Text, "text") }{ tab(Mode::Hex, "bytes") }{ tab(Mode::Bits, "bits") }
                </span>
            </div>
            { body }
            if bytes.len() > MAX_BYTES && *mode != Mode::Text {
                <p class="empty">{ format!("showing the first {MAX_BYTES} of {} bytes", bytes.len()) }</p>
            }
        </div>
    }
}
