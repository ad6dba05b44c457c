//! The native RESP server over the playground engine: `redis-playground-server [--port N]
//! [--bind ADDR]`. One thread per connection; the engine sits behind a mutex, so commands run
//! one at a time and atomically, as in Redis.

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use redis_playground::engine::clock::SystemClock;
use redis_playground::engine::resp::{encode_into, parse_request};
use redis_playground::engine::{Engine, Reply};

type Shared = Arc<Mutex<Engine>>;

fn main() {
    let mut port: u16 = 6380;
    let mut bind = String::from("127.0.0.1");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--port" => port = args.next().and_then(|p| p.parse().ok()).unwrap_or(port),
            "--bind" => bind = args.next().unwrap_or(bind),
            "--help" | "-h" => {
                println!("usage: redis-playground-server [--port PORT] [--bind ADDR]");
                return;
            }
            other => {
                eprintln!("unknown option {other}");
                std::process::exit(2);
            }
        }
    }
    let listener = match TcpListener::bind((bind.as_str(), port)) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot listen on {bind}:{port}: {e}");
            std::process::exit(1);
        }
    };
    eprintln!("redis-playground-server listening on {bind}:{port}");
    let engine: Shared = Arc::new(Mutex::new(Engine::new(Box::new(SystemClock))));
    {
        let engine = engine.clone();
        std::thread::spawn(move || loop {
            std::thread::sleep(Duration::from_millis(100));
            if let Ok(mut e) = engine.lock() {
                e.tick();
            }
        });
    }
    for stream in listener.incoming().flatten() {
        let engine = engine.clone();
        std::thread::spawn(move || serve(stream, engine));
    }
}

fn serve(mut stream: TcpStream, engine: Shared) {
    stream.set_nodelay(true).ok();
    stream.set_read_timeout(Some(Duration::from_millis(5))).ok();
    let peer = stream.peer_addr().map(|a| a.to_string()).unwrap_or_default();
    let local = stream.local_addr().map(|a| a.to_string()).unwrap_or_default();
    let id = match engine.lock() {
        Ok(mut e) => e.connect_from(&peer, &local),
        Err(_) => return,
    };
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    'conn: loop {
        let n = match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            // Idle: deliver what other clients pushed meanwhile (pub/sub messages, unblocked
            // pops), which would otherwise wait for this client's next request.
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                let mut out = Vec::new();
                if let Ok(mut e) = engine.lock() {
                    let proto = e.client_protocol(id);
                    for p in e.take_pushed(id) {
                        encode_into(&mut out, &p, proto);
                    }
                }
                if !out.is_empty() && stream.write_all(&out).is_err() {
                    break;
                }
                continue;
            }
            Err(_) => break,
        };
        buf.extend_from_slice(&chunk[..n]);
        let mut out = Vec::new();
        let mut close = false;
        {
            let Ok(mut e) = engine.lock() else { break };
            loop {
                match parse_request(&buf) {
                    Ok(None) => break,
                    Ok(Some((argv, used))) => {
                        buf.drain(..used);
                        if argv.is_empty() {
                            continue;
                        }
                        // Messages pushed before this request arrived go out before its reply.
                        let proto = e.client_protocol(id);
                        for p in e.take_pushed(id) {
                            encode_into(&mut out, &p, proto);
                        }
                        let reply = e.execute(id, &argv);
                        let proto = e.client_protocol(id);
                        encode_into(&mut out, &reply, proto);
                        for p in e.take_pushed(id) {
                            encode_into(&mut out, &p, proto);
                        }
                        if e.client_closing(id) {
                            // Leave at once (subscriptions, watches), as Redis frees the client
                            // right after its last reply: other clients must not see it linger.
                            e.disconnect(id);
                            close = true;
                            break;
                        }
                    }
                    Err(err) => {
                        encode_into(&mut out, &Reply::Error(err.text()), 2);
                        close = true;
                        break;
                    }
                }
            }
        }
        if !out.is_empty() && stream.write_all(&out).is_err() {
            break 'conn;
        }
        if close {
            break;
        }
    }
    if let Ok(mut e) = engine.lock() {
        e.disconnect(id);
    }
}
