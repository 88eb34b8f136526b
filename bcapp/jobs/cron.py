"""``rq cron`` configuration: the tick every minute (an alternative to ``bcapp tick``).

Run ``rq cron bcapp.jobs.cron --url $REDIS_URL`` beside the workers. The tick
enqueues per store what is due; see :mod:`bcapp.jobs.schedule`. (The tick job
goes to the plain "default" queue, so use this only without ``RQ_QUEUE_PREFIX``.)
"""

from rq import cron

from bcapp.jobs.schedule import tick_job

cron.register(tick_job, queue_name="default", interval=60, job_timeout=300, result_ttl=600)
