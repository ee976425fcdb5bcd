import { render } from "preact";
import { App } from "./views/app";
import "./style.css";

render(<App />, document.getElementById("app")!);
