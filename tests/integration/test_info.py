"""threepar_info against the simulator: decoded states, gather subsets, JMESPath query, bulk reads."""


def test_info_reports_decoded_states(play):
    assert play.run('volume', {'name': 'info-vol', 'cpg': 'FC_r5', 'size': '256MiB', 'snap_cpg': 'SSD_r6'}).result['changed']
    assert play.run('snapshot', {'source': 'info-vol', 'name': 'info-snap'}).result['changed']
    run = play.run('info', {}, check=True)
    result = run.result
    assert result['changed'] is False and run.methods == []
    assert {'volumes', 'copies', 'jobs', 'system', 'rcopy_groups'} <= set(result)
    volume = [v for v in result['volumes'] if v['name'] == 'info-vol'][0]
    assert (volume['size'], volume['cpg'], volume['snap_cpg'], volume['operational_status']) == ('256MiB', 'FC_r5', 'SSD_r6', ['OK'])
    copy = [c for c in result['copies'] if c['name'] == 'info-snap'][0]
    assert (copy['source'], copy['sync_state'], copy['copy_state'], copy['progress_status'], copy['replica_type']) == \
        ('info-vol', 'Idle', 'Inactive', 'Completed', 'After Delta')
    assert result['system']['name'] == '3PAR-A'


def test_info_gather_and_query(play):
    run = play.run('info', {'gather': ['copies'], 'query': "copies[?sync_state=='Idle'].name"})
    assert 'volumes' not in run.result and 'info-snap' in run.result['query_result']
    # copies need the volumes to name both ends: two enumerations, whatever the number of copies
    assert [r['operation'] for r in run.requests] == ['EnumerateInstances', 'EnumerateInstances']


def test_info_bad_query(play):
    run = play.run('info', {'gather': ['volumes'], 'query': 'volumes[?'})
    assert run.result['failed'] is True and run.result['msg'].startswith("Failed to apply query 'volumes[?'")
