import evaluate
from evaluate.utils import launch_gradio_widget

module = evaluate.load("ser-hub/ccc")
launch_gradio_widget(module)
